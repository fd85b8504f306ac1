"""The offline demo: a generated news world (world, data/*.yaml), its dataset adapter
(dataset) and the tiny backbones pretrained on it (backbone).

Kept apart from the xlgen package: the study's own modules never import it; the workflow's
demo rules (demo_world, demo_backbone) and `dataset: demo` (xlgen.datasets) reach it by name.
"""
