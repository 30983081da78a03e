"""The Neural landscape page's words (landscape.neural_words), each read against the numbers it is built from."""
from types import SimpleNamespace

import numpy as np

from landscape import neural_words, nn


def _run(**changes) -> SimpleNamespace:
    spec = SimpleNamespace(dims=(2, 32, 32, 1), activation="tanh", size=1185)
    run = dict(spec=spec, hparams={"optimizer": "adam", "lr": 0.01, "epochs": 10}, steps_per_epoch=13,
               diverged_at=None, metric_name="accuracy", train_loss=np.array([0.7, 0.123456]),
               val_loss=np.array([0.8, 0.2]), train_metric=np.array([0.5, 0.9512]),
               val_metric=np.array([0.5, 0.875]), steps=np.array([0, 1300]))
    return SimpleNamespace(**run | changes)


def test_describe_names_the_layers_the_activation_the_size_and_the_optimiser():
    assert neural_words.describe(_run()) == "2-32-32-1 tanh network, 1,185 parameters, adam with learning rate 0.01"


def test_dimensions_are_the_networks_weights_and_biases():
    assert neural_words.dimensions(_run()) == ("This network has 1,185 weights and biases, so its loss is a surface "
                                               "over 1,185 dimensions.")
    small = _run(spec=SimpleNamespace(dims=(2, 16, 1), activation="tanh", size=65))
    assert "has 65 weights and biases" in neural_words.dimensions(small)


def test_summary_reads_the_end_of_the_run():
    assert neural_words.summary(_run()) == {
        "training loss": "0.1235", "validation loss": "0.2", "training accuracy": "0.951",
        "validation accuracy": "0.875", "parameters": "1,185", "steps": "1,300"}


def test_diverged_message_says_where_of_how_many_steps_the_bounds_and_the_learning_rate():
    text = neural_words.diverged_message(_run(diverged_at=1234, hparams={"optimizer": "sgd", "lr": 5.0,
                                                                         "epochs": 100}))
    assert text.startswith("Training diverged at step 1,234 of 1,300:")
    assert f"{nn.MAX_LOSS:g} / {nn.MAX_PARAM:g}" in text and "(now 5)" in text
