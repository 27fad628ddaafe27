#!/usr/bin/env python3
"""PyTorch's own bfloat16 mixed precision on ../shared/bench/torch_vae.py's model: its eager step under autocast.

    .venv-torch/bin/python bench/torch_bf16_autocast.py PATH/TO/torch_vae.py [its flags but --mode]

Runs the shared script (bench_train.py passes its --torch_script) unchanged
with `--mode compile`, after replacing `torch.compile` by a wrapper that runs the loss (forward pass) eagerly under
`torch.autocast("cpu", dtype=torch.bfloat16)`: PyTorch's recommended CPU
mixed precision (convolutions and matmuls in bfloat16, reductions and the
loss in float32, float32 weights and Adam). The RESULT line it prints says
mode "compile"; bench_train.py labels it by this script instead.
"""

import runpy
import sys

import torch


def autocast_instead_of_compile(function, *args, **kwargs):
    def autocast_loss(*inputs):
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return function(*inputs).float()

    return autocast_loss


if __name__ == "__main__":
    script = sys.argv[1]
    torch.compile = autocast_instead_of_compile
    sys.argv = [script, "--mode", "compile"] + sys.argv[2:]
    runpy.run_path(script, run_name="__main__")
