"""Test harness, not part of xlgen: accelerate turns an FSDP config into FSDP on GPUs only
(on CPU it runs plain DDP). With XLGEN_TEST_FSDP_ON_CPU=1 and this folder on PYTHONPATH, the
processes that `accelerate launch` starts set accelerate's state to FSDP after it is made,
so the training loop's sharded path (accelerate's FSDP2 `prepare`, sharded `save_state` /
`load_state`, the full state dict for saving) runs on CPU over gloo in tests/test_distributed.py.
Python imports `sitecustomize` at start-up from the first folder on sys.path that has one.
"""

import os

if os.environ.get("XLGEN_TEST_FSDP_ON_CPU") == "1" and os.environ.get("ACCELERATE_USE_FSDP") == "true":
    import accelerate.state as _state
    from accelerate.utils import DistributedType, FullyShardedDataParallelPlugin

    _init = _state.AcceleratorState.__init__

    def _fsdp_on_cpu(self, *args, **kwargs):
        _init(self, *args, **kwargs)  # a later AcceleratorState() sets the type again
        if self.distributed_type == DistributedType.MULTI_CPU:
            self.fsdp_plugin = (kwargs.get("fsdp_plugin") or getattr(self, "fsdp_plugin", None)
                                or FullyShardedDataParallelPlugin())  # the launch's FSDP_* settings
            self.distributed_type = DistributedType.FSDP

    _state.AcceleratorState.__init__ = _fsdp_on_cpu
