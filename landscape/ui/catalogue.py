"""Cached compute of the loss catalogue pages (gallery, classification, distributions).

Plain values in (names, numbers, JSON text), dataclasses of numpy arrays out; every cache bounded.
"""
from __future__ import annotations

import json

import streamlit as st

from landscape import classify, curves, divergence
from landscape.ui.compute import CACHE


@st.cache_data(**CACHE)
def gallery(kind: str, chosen_json: str, formula: str, span: float, at: float) -> curves.Gallery:
    """``chosen_json``: ``{"huber": {"delta": 1.0}, ...}`` in the order the person chose them."""
    return curves.gallery(kind, json.loads(chosen_json), formula, span, at)


@st.cache_data(**CACHE)
def confidence(label_smoothing: float, classes: int) -> curves.Confidence:
    return curves.confidence(label_smoothing, classes)


@st.cache_data(**CACHE)
def binary_view(dataset: str, n: int, seed: int, loss: str, params_json: str,
                pos_weight: float) -> classify.BinaryView:
    return classify.binary_view(dataset, n, seed, loss, json.loads(params_json), pos_weight)


@st.cache_data(**CACHE)
def softmax_view(seed: int, pair: tuple[str, str], temperature: float, label_smoothing: float,
                 offsets: tuple[float, float]) -> classify.SoftmaxView:
    return classify.softmax_view(seed, pair, temperature, label_smoothing, offsets)


@st.cache_data(**CACHE)
def fit_view(separation: float, share: float, width: float) -> divergence.FitView:
    return divergence.fit_view(separation, share, width)


@st.cache_data(**CACHE)
def overlap_view(position: float, extent: float, softness: float, smooth: float) -> divergence.OverlapView:
    return divergence.overlap_view(position, extent, softness, smooth)
