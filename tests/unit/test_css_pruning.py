"""scripts/build_assets.drop_unused_rules: what is left of NHS.UK frontend's CSS when a feature is left out."""

from __future__ import annotations

import re

from scripts.build_assets import drop_unused_rules

UNUSED = re.compile(r"x-nav[a-z_-]*|x-card--feature")


def test_a_rule_naming_an_unused_class_goes_and_the_others_stay() -> None:
    css = ".x-header{color:red}.x-nav{display:flex}.x-nav__item a{color:blue}.x-card{margin:0}"
    assert drop_unused_rules(css, UNUSED) == ".x-header{color:red}.x-card{margin:0}"


def test_only_the_unused_selectors_of_a_list_go() -> None:
    assert drop_unused_rules(".x-card--feature,.x-card{padding:0}", UNUSED) == ".x-card{padding:0}"


def test_classes_must_match_whole_names() -> None:
    css = ".x-card--featured{a:b}.x-navy{c:d}"
    assert drop_unused_rules(css, re.compile("x-card--feature|x-nav")) == css


def test_a_class_inside_not_does_not_make_a_selector_unused() -> None:
    css = ".x-header:not(.x-nav){a:b}"
    assert drop_unused_rules(css, UNUSED) == css


def test_media_and_supports_blocks_are_pruned_and_dropped_when_empty() -> None:
    css = "@media (min-width:40em){.x-nav{a:b}.x-card{c:d}}@supports (display:grid){.x-nav{e:f}}@font-face{src:url(a)}"
    assert drop_unused_rules(css, UNUSED) == "@media (min-width:40em){.x-card{c:d}}@font-face{src:url(a)}"
