"""``from netgraph import NetTake``: Python turns the module's AttributeError into a bare ``cannot import name``
ImportError; the ImportError itself names what to use (Wolfram's name's snake_case function, near spellings)."""

from __future__ import annotations

import re

import pytest

import netgraph

# pylint: disable=import-outside-toplevel,unused-import  (each function is one from import, the statement tested)


def _net_take():
    from netgraph import NetTake  # noqa: F401


def _net_drop():
    from netgraph import NetDrop  # noqa: F401


def _net_extract():
    from netgraph import NetExtract  # noqa: F401


def _misspelt_of_several():
    from netgraph import NetChian, NetGraph  # noqa: F401  (NetGraph is there)


def _misspelt_case():
    from netgraph import Linearlayer  # noqa: F401


def _keras_name():
    from netgraph import Dense  # noqa: F401


def _far_name():
    from netgraph import Zzzqqq  # noqa: F401


@pytest.mark.parametrize("import_it, wolfram, ours", [(_net_take, "NetTake", "net_take"),
                                                      (_net_drop, "NetDrop", "net_drop"),
                                                      (_net_extract, "NetExtract", "net_extract")])
def test_importing_a_wolfram_function_name_names_ours(import_it, wolfram, ours):
    with pytest.raises(ImportError, match=rf"^cannot import name '{wolfram}' from 'netgraph' \(.+__init__.py\) "
                                          rf"\(Wolfram's {wolfram} is {ours} here\)$") as info:
        import_it()
    assert info.value.name == "netgraph" and callable(getattr(netgraph, ours))


@pytest.mark.parametrize("import_it, misspelt, close", [(_misspelt_of_several, "NetChian", "NetChain"),
                                                        (_misspelt_case, "Linearlayer", "LinearLayer")])
def test_importing_a_misspelt_name_names_close_public_names(import_it, misspelt, close):
    with pytest.raises(ImportError) as info:
        import_it()
    message = str(info.value)
    assert message.startswith(f"cannot import name {misspelt!r} from 'netgraph' ({netgraph.__file__}) "
                              f"(did you mean {close!r}")
    said = re.findall(r"'(\w+)'", message.split("did you mean ")[1])
    assert 1 <= len(said) <= 3 and all(hasattr(netgraph, name) for name in said)


def test_importing_another_librarys_name_names_ours():
    with pytest.raises(ImportError, match=r"^cannot import name 'Dense' from 'netgraph' \(.+__init__.py\) "
                                          r"\(Keras's Dense is LinearLayer here\)$"):
        _keras_name()


def test_a_name_far_from_every_public_one_reads_as_python_says_it():
    with pytest.raises(ImportError, match=r"^cannot import name 'Zzzqqq' from 'netgraph' \(.+__init__.py\)$"):
        _far_name()


def test_attribute_lookups_stay_attribute_errors():
    """hasattr and getattr with a default see an AttributeError, not the import's error."""
    assert not hasattr(netgraph, "NetTake") and getattr(netgraph, "NetChian", None) is None
    with pytest.raises(AttributeError, match=r"^module 'netgraph' has no attribute 'NetTake' \(Wolfram's NetTake is "
                                             r"net_take here\)$") as info:
        netgraph.NetTake
    assert info.value.name == "NetTake" and info.value.obj is netgraph
    from netgraph import NetChain, net_take  # present names import as before
    assert NetChain is netgraph.NetChain and net_take is netgraph.net_take
