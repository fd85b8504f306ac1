"""A plug-in method for tests that need a run's wall time without its CPU time: `full`
finetuning whose model waits `seconds` before every forward pass (a forward pre-hook, nothing
of it saved), as a large model on a slow device would. The numbers are full finetuning's.

tests/test_slurm.py trains it for ~2 minutes under a one-minute SLURM time limit: paced, that
costs ~10 s of CPU, where a run sized by compute alone cost ~120 s, and its length no longer
depends on how loaded the machine is (a run sized by a speed measured under load once ended
before SLURM's warning).
"""

import time

from xlgen.methods.full import FullFinetuning


class PacedFull(FullFinetuning):
    name = "paced_full"
    description = "full finetuning whose every forward pass waits `seconds` first (a test's slow device)"
    settings_schema = {
        "type": "object", "additionalProperties": False, "required": ["lrs", "seconds"],
        "properties": {"lrs": {"$ref": "#/$defs/lrs"},
                       "seconds": {"type": "number", "minimum": 0, "description": "the wait before a forward pass"}},
    }

    def prepare(self, model, settings: dict):
        model = super().prepare(model, settings)
        seconds = float(settings["seconds"])
        model.register_forward_pre_hook(lambda module, args: time.sleep(seconds))
        return model


METHOD = PacedFull()
