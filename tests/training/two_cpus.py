"""Runs a tool with the CPU split into two logical devices: `python two_cpus.py bin/train --strategy=mirrored ...`.

MirroredStrategy over "/cpu:0" and "/cpu:1" needs the logical devices before
TensorFlow initialises, which bin/train cannot ask for; this wrapper sets
them up and then runs the tool as its own `__main__`, with the rest of the
command line as its flags.
"""

import os
import runpy
import sys

import tensorflow as tf

cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
tool, sys.argv = sys.argv[1], sys.argv[1:]
runpy.run_path(tool, run_name="__main__")
