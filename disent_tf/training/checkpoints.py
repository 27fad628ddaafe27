"""A run's checkpoints: save every few steps, restore the newest one that restores.

Restoring does not trust the `checkpoint` state file alone: it lists the
`ckpt-<step>.index` files themselves and tries them newest first, so a state
file that is missing, garbled or names a deleted checkpoint, and a newest
checkpoint cut short by a crash, fall back to the previous good one instead of
restarting from step 0 (or crashing). The state file is then rewritten to
list the checkpoints that are kept, so the CheckpointManager rotates them as
usual. `ckpt-<n>_temp` folders left by a save that was killed are removed.
"""

import tensorflow as tf

from disent_tf.errors import UserError
from disent_tf.run_folder import checkpoint_steps, join

CHECKPOINTS_TO_KEEP = 3


def saved_checkpoints(checkpoint_dir):
    """Checkpoint prefixes in `checkpoint_dir` (those with an .index file), newest step first."""
    return [join(checkpoint_dir, f"ckpt-{step}") for step in checkpoint_steps(checkpoint_dir)]


def restore_newest(checkpoint, checkpoint_dir, log=print, write_state=True):
    """Restores the newest checkpoint in `checkpoint_dir` that restores; returns its prefix (None: none saved).

    A checkpoint that fails to restore is reported and skipped; if every one
    fails, a UserError says so (nothing is deleted). `write_state` (the
    chief's job) points the state file at the restored checkpoint.
    """
    prefixes = saved_checkpoints(checkpoint_dir)
    failures = []
    for prefix in prefixes:
        try:
            # Every object given must be restored; values it does not hold (an export's restore
            # leaves the optimizer slots) are expected, not warned about when the status is freed.
            checkpoint.restore(prefix).assert_existing_objects_matched().expect_partial()
        except Exception as error:  # a damaged file fails in many ways (OpError, IndexError, ValueError, ...)
            failures.append(prefix)
            log(f"checkpoint {prefix} does not restore ({type(error).__name__}); trying the previous one")
            continue
        if write_state:
            _rewrite_state(checkpoint_dir, prefix, prefixes)
        return prefix
    if failures:
        raise UserError(f"no checkpoint in {checkpoint_dir} restores ({', '.join(failures)} are damaged); "
                        "move that folder away to start the run afresh.")
    return None


def remove_litter(checkpoint_dir):
    """Deletes the `<prefix>_temp` folders of saves that were killed before they finished."""
    if not tf.io.gfile.isdir(checkpoint_dir):
        return
    for name in tf.io.gfile.listdir(checkpoint_dir):
        name = name.rstrip("/")
        if name.endswith("_temp") and name.startswith("ckpt-"):
            tf.io.gfile.rmtree(join(checkpoint_dir, name))


def make_saver(checkpoint, checkpoint_dir, scratch_dir, chief):
    """`save(step)`: a CheckpointManager save into `checkpoint_dir`, keeping the last few.

    Under MultiWorkerMirroredStrategy every worker must take part in saving;
    only the chief's copy is kept, the others write to `scratch_dir`, which is
    deleted right away (TensorFlow's multi-worker recipe).
    """
    if chief:
        manager = tf.train.CheckpointManager(checkpoint, checkpoint_dir, CHECKPOINTS_TO_KEEP)
        return lambda current: manager.save(checkpoint_number=current)
    manager = tf.train.CheckpointManager(checkpoint, scratch_dir, max_to_keep=1)

    def save_and_discard(current):
        manager.save(checkpoint_number=current)
        tf.io.gfile.rmtree(scratch_dir)

    return save_and_discard


def _rewrite_state(checkpoint_dir, restored, prefixes):
    """Points the state file at `restored`, listing it and the older checkpoints (oldest first)."""
    kept = [prefix for prefix in reversed(prefixes) if _step(prefix) <= _step(restored)]
    tf.compat.v1.train.update_checkpoint_state(checkpoint_dir, restored, all_model_checkpoint_paths=kept)


def _step(prefix):
    return int(prefix.rsplit("-", 1)[1])
