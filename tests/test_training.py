"""Batching and the training loop's guarantees."""

import itertools

from xlgen.training import epoch_batches


def _examples():
    # lengths 5..104, each example a distinct id
    return [{"input_ids": list(range(5 + i)), "labels": [i]} for i in range(100)]


def test_every_example_once_per_epoch_and_deterministic():
    for group in (False, True):
        batches = list(itertools.islice(epoch_batches(_examples(), 10, seed=3, group_by_length=group), 10))
        ids = sorted(ex["labels"][0] for batch in batches for ex in batch)
        assert ids == list(range(100))
        again = list(itertools.islice(epoch_batches(_examples(), 10, seed=3, group_by_length=group), 10))
        assert batches == again
        other = list(itertools.islice(epoch_batches(_examples(), 10, seed=4, group_by_length=group), 10))
        assert batches != other


def test_length_grouping_cuts_padding():
    def padding(batches):
        return sum(max(len(e["input_ids"]) for e in b) * len(b) - sum(len(e["input_ids"]) for e in b)
                   for b in batches)

    grouped = list(itertools.islice(epoch_batches(_examples(), 10, seed=1, group_by_length=True), 10))
    shuffled = list(itertools.islice(epoch_batches(_examples(), 10, seed=1, group_by_length=False), 10))
    assert padding(grouped) < padding(shuffled) / 5


def test_graddrop_follows_the_sign_rule_element_by_element():
    import torch

    from xlgen.methods.graddrop import graddrop

    # elements: agree +, agree -, conflict leaning +, conflict leaning -, conflict balanced, one zero
    g_task = torch.tensor([1.0, -2.0, 3.0, -3.0, 1.0, 0.0])
    g_unlab = torch.tensor([2.0, -1.0, -1.0, 1.0, -1.0, -4.0])
    # purity P = (1 + sum / sum|.|) / 2 = [1, 0, .75, .25, .5, 0]
    u = torch.tensor([0.5, 0.5, 0.5, 0.5, 0.4, 0.5])
    # P > U keeps positive parts, P < U keeps negative parts:
    expected = torch.tensor([3.0, -3.0, 3.0, -3.0, 1.0, -4.0])
    assert torch.equal(graddrop([g_task, g_unlab], u), expected)
    u_high = torch.tensor([0.99, 0.99, 0.9, 0.9, 0.6, 0.99])
    # U above P: where signs conflict the negative side survives; agreeing elements never drop
    assert torch.equal(graddrop([g_task, g_unlab], u_high), torch.tensor([3.0, -3.0, -1.0, -3.0, -1.0, -4.0]))


def _tiny_mbart():
    from xlgen.backbones import load_backbone

    return load_backbone(ROOT / "resources" / "demo_backbones" / "mbart-demo")


ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_mix_unsup_batches_hold_the_configured_ratio():
    from xlgen.methods.batches import BatchContext
    from xlgen.methods.mix_unsup import mixed_batches

    model, tokenizer = _tiny_mbart()
    unlabeled = {"ru": ["Москва объявила о новом проекте."] * 5, "zh": ["北京宣布了一个新项目。"] * 5}
    train = [{"input_ids": list(range(3, 10 + i)), "labels": [5, 6, 2]} for i in range(40)]
    for ratio, batch in [(0.25, 16), (0.5, 8), (0.2, 10)]:
        context = BatchContext(family="mbart", tokenizer=tokenizer, batch_size=batch, seed=1,
                               settings={"ratio": ratio}, unlabeled=unlabeled)
        for parts in itertools.islice(mixed_batches(train, context), 6):
            assert len(parts["unlabeled"]) == round(batch * ratio)
            assert len(parts["task"]) + len(parts["unlabeled"]) == batch
            codes = {tokenizer.convert_ids_to_tokens(ex["labels"][0]) for ex in parts["unlabeled"]}
            assert codes <= {"ru_RU", "zh_CN"}  # denoising in the target languages, never English
            assert any(tokenizer.mask_token_id in ex["input_ids"] for ex in parts["unlabeled"])


def test_resumed_training_ends_bitwise_equal_to_an_uninterrupted_run(tmp_path):
    import pytest
    import torch

    from xlgen.training import TrainSettings, epoch_batches, train_steps

    _, tokenizer = _tiny_mbart()
    train = [{"input_ids": [5 + (i * 7 + j) % 50 for j in range(8 + i % 5)], "labels": [7 + i % 9, 2]}
             for i in range(64)]
    settings = TrainSettings(steps=12, batch_size=4, lr=3e-3, grad_accum=2, seed=2,
                             checkpoint_every=5, checkpoint_path=tmp_path / "ckpt.pt")

    def fresh():
        torch.manual_seed(0)
        return _tiny_mbart()[0]

    class Preempted(Exception):
        pass

    def stops_after(n):
        for i, batch in enumerate(epoch_batches(train, 4, seed=2)):
            if i == n:
                raise Preempted
            yield batch

    with pytest.raises(Preempted):  # killed during step 8 (micro-batch 15); checkpoint at step 5
        train_steps(fresh(), tokenizer, stops_after(15), settings, log=lambda m: None)
    assert torch.load(settings.checkpoint_path, weights_only=False)["step"] == 5
    messages = []
    resumed = fresh()
    train_steps(resumed, tokenizer, epoch_batches(train, 4, seed=2), settings, log=messages.append)
    assert any("resumed from" in m and "at step 5" in m for m in messages)
    plain = fresh()
    train_steps(plain, tokenizer, epoch_batches(train, 4, seed=2),
                TrainSettings(steps=12, batch_size=4, lr=3e-3, grad_accum=2, seed=2), log=lambda m: None)
    for (name, a), (_, b) in zip(resumed.state_dict().items(), plain.state_dict().items()):
        assert torch.equal(a, b), name
    other = TrainSettings(steps=12, batch_size=4, lr=1e-3, grad_accum=2, seed=2,
                          checkpoint_every=5, checkpoint_path=settings.checkpoint_path)
    messages.clear()  # a checkpoint from other settings is never resumed
    train_steps(fresh(), tokenizer, epoch_batches(train, 4, seed=2), other, log=messages.append)
    assert any("starting over" in m for m in messages)


def test_gradient_accumulation_matches_one_big_batch_of_equal_micro_batches():
    import torch

    from xlgen.training import TrainSettings, train_steps

    _, tokenizer = _tiny_mbart()
    examples = [{"input_ids": [5 + (i * 3 + j) % 40 for j in range(10)], "labels": [9 + i % 7, 2]} for i in range(8)]

    def trained(batches, accum):
        torch.manual_seed(0)
        model = _tiny_mbart()[0]
        model.config.dropout = 0.0
        for module in model.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
        train_steps(model, tokenizer, iter(batches), TrainSettings(steps=1, batch_size=len(batches[0]),
                    lr=1e-3, grad_accum=accum, seed=0), log=lambda m: None)
        return model

    whole = trained([examples], 1)
    halves = trained([examples[:4], examples[4:]], 2)
    # Adam's first step is lr * sign(gradient) wherever |gradient| >> eps: an element whose
    # true gradient is 0 (k_proj biases, unused embeddings) gets float noise of either sign in
    # either run. Compare the elements with a real gradient, taken from the initial model.
    from xlgen.training import collate

    torch.manual_seed(0)
    reference = _tiny_mbart()[0]
    for module in reference.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    reference.train()
    reference(**collate(examples, tokenizer.pad_token_id)).loss.backward()
    grads = {name: p.grad for name, p in reference.named_parameters()}
    compared = 0
    for (name, a), (_, b) in zip(whole.state_dict().items(), halves.state_dict().items()):
        grad = grads.get(name)
        real = torch.ones_like(a, dtype=torch.bool) if grad is None else grad.abs() > 1e-6
        assert torch.allclose(a[real], b[real], atol=1e-5), name
        compared += int(real.sum())
    assert compared > 0.5 * sum(a.numel() for a in whole.state_dict().values())


def test_gradient_checkpointing_is_warning_free_and_changes_no_number(tmp_path):
    """Activation checkpointing goes through transformers' current API, and preparing a peft
    method raises no deprecation from our calls (peft 0.21 reads transformers' deprecated
    `is_gradient_checkpointing` when it builds or loads a PeftModel; xlgen.methods.peft_io
    keeps it quiet): every warning is an error here. mBART's results are bitwise those without checkpointing."""
    import warnings

    import torch

    from xlgen.methods import get_method
    from xlgen.training import TrainSettings, train_steps

    _, tokenizer = _tiny_mbart()
    batch = [{"input_ids": [5 + (i * 3 + j) % 40 for j in range(10)], "labels": [9 + i % 7, 2]} for i in range(4)]

    def trained(method, checkpointing):
        torch.manual_seed(0)
        model = get_method(method).prepare(_tiny_mbart()[0], {})
        settings = TrainSettings(steps=2, batch_size=4, lr=1e-3, seed=0, gradient_checkpointing=checkpointing)
        train_steps(model, tokenizer, iter([batch] * 2), settings, log=lambda m: None)
        return model

    for method in ("full", "lora"):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            checkpointed = trained(method, True)
            get_method(method).save(checkpointed, tokenizer, tmp_path / method)
            get_method(method).load(ROOT / "resources" / "demo_backbones" / "mbart-demo", tmp_path / method)
        assert any(getattr(m, "gradient_checkpointing", False) for m in checkpointed.modules())
        plain = trained(method, False)
        for (name, a), (_, b) in zip(checkpointed.state_dict().items(), plain.state_dict().items()):
            assert torch.equal(a, b), (method, name)


def test_a_gradient_combination_needs_its_hook():
    import pytest

    from xlgen.training import TrainSettings, train_steps

    model, tokenizer = _tiny_mbart()
    with pytest.raises(ValueError, match="combine 'graddrop' needs its combine_gradients hook"):
        train_steps(model, tokenizer, iter([]), TrainSettings(steps=1, batch_size=2, lr=1e-3, combine="graddrop"))
