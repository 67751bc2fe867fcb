"""TokensEncoder and CharactersEncoder: text becomes index sequences of the variable length "n", padded per batch."""

from __future__ import annotations

import re

import pytest
import torch

from netgraph import (CharactersEncoder, ClassDecoder, DataError, EmbeddingLayer, LinearLayer, NetChain, NetGraph,
                      NetMapOperator, OptionError, SequenceLastLayer, SoftmaxLayer, TokensEncoder, net_initialize,
                      net_train)
from netgraph.core.coders import coder_from_data
from netgraph.data import encode, text_table


def test_words_become_indices_with_unknown_and_padding():
    coder = TokensEncoder(["the", "cat", "sat"], lowercase=True)
    assert coder.tokens == ("<pad>", "<unk>", "the", "cat", "sat")
    assert encode(coder, "Input", "The cat sat on").tolist() == [2, 3, 4, 1]
    assert encode(coder, "Input", ["the cat", "sat"]).tolist() == [[2, 3], [4, 0]]  # padded to the longest
    assert TokensEncoder(["A"]).port_type().shape == ("n",) and TokensEncoder(["A"]).port_type().dtype == "Integer"
    assert encode(TokensEncoder(["A"]), "Input", "A a").tolist() == [2, 1]  # case kept unless lowercase=True


def test_characters_become_indices():
    coder = CharactersEncoder("abc")
    assert coder.vocabulary == ("a", "b", "c")
    assert encode(coder, "Input", ["abca", "ad"]).tolist() == [[2, 3, 4, 2], [2, 1, 0, 0]]


def test_too_long_empty_and_non_text_values_name_the_port_and_the_example():
    coder = TokensEncoder(["x"], max_length=3)
    with pytest.raises(DataError) as info:
        encode(coder, "Text", ["x x", "x x x x", 5, ""])
    message = str(info.value)
    assert "input port 'Text' (TokensEncoder): example 1: 4 tokens, more than max_length=3" in message
    assert "example 2: expected text (a str), found int 5" in message and "example 3: empty text" in message
    assert "example 0" not in message
    with pytest.raises(OptionError, match="TokensEncoder option max_length=: a positive int"):
        TokensEncoder(["x"], max_length=0)
    with pytest.raises(OptionError, match="option unknown=: '<unk>' \\(its default\\) is also a vocabulary entry"):
        TokensEncoder(["<unk>", "x"])


@pytest.mark.parametrize("options, said", [
    ({"padding": "<unk>"}, "option padding=: '<unk>' is unknown='s token too (its default); the two must differ"),
    ({"unknown": "<pad>"}, "option unknown=: '<pad>' is padding='s token too (its default); the two must differ"),
    ({"unknown": "?", "padding": "?"}, "option unknown=: unknown= and padding= are both '?'; they must differ"),
    ({"padding": "x"}, "option padding=: 'x' is also a vocabulary entry; padding= must differ from every vocabulary "
                       "entry"),
])
def test_a_special_token_clash_names_the_option_given(options, said):
    """padding='<unk>' was told "unknown= and padding= must differ ...", naming unknown=, which it never gave (QA)."""
    for coder in (TokensEncoder, CharactersEncoder):
        with pytest.raises(OptionError) as caught:
            coder(["x", "y"], **options)
        assert str(caught.value) == f"{coder.__name__} {said}"
        assert caught.value.option == ("padding" if said.startswith("option padding") else "unknown")


def test_a_net_reads_text_through_its_encoder():
    coder = TokensEncoder(["good", "bad", "film"])
    net = net_initialize(NetChain([EmbeddingLayer(4, len(coder.tokens)), SequenceLastLayer(), LinearLayer(2),
                                   SoftmaxLayer()], input=coder, output=ClassDecoder(["neg", "pos"])), seed=0)
    assert net.port_types["Input"].shape == ("n",)
    encoded = torch.tensor([[2, 4], [3, 4]])
    p = net(encoded, decoder=None)
    assert net(["good film", "bad film"]) == [("neg", "pos")[i] for i in p.argmax(-1).tolist()]
    # a batch of 1 and one of 2 may take different BLAS kernels: equal up to float32 rounding, not bit for bit
    torch.testing.assert_close(net("bad film", decoder=None), p[1], rtol=1e-6, atol=1e-7)
    assert NetGraph.from_yaml(net.to_yaml()).coders == net.coders


def test_texts_of_different_lengths_are_read_each_to_its_own_length():
    # they were padded with 0 to the longest without lengths, so an LSTM read the padding: a text's result
    # depended on the other texts of the batch
    from netgraph import LongShortTermMemoryLayer
    coder = TokensEncoder(["a", "b", "c"])
    net = net_initialize(NetChain([EmbeddingLayer(4, 5), LongShortTermMemoryLayer(3), SequenceLastLayer()], input=coder),
                         seed=0)
    texts = ["a b", "a b c c b a", "c"]
    batch = net(texts)
    assert batch.shape == (3, 3)
    torch.testing.assert_close(batch, torch.stack([net(text) for text in texts]))
    tagger = net_initialize(NetChain([EmbeddingLayer(4, 5)], input=coder), seed=0)
    assert [tuple(y.shape) for y in tagger(texts)] == [(2, 4), (6, 4), (1, 4)]  # per-token outputs: one per text
    assert tagger(["a b", "c a"]).shape == (2, 2, 4)  # texts of one length stay one tensor
    assert encode(coder, "Input", texts).shape == (3, 6)  # encode itself still pads (ragged=True keeps lengths)


def test_a_capitalised_vocabulary_with_lowercase_is_refused():
    """'The' could never match once the text is lowercased (it was encoded as <unk> without a word)."""
    from netgraph import OptionError, TokensEncoder
    with pytest.raises(OptionError, match="lowercase=.*entry 'The' could never match"):
        TokensEncoder(vocabulary=["The", "cat"], lowercase=True)
    assert TokensEncoder(vocabulary=["The", "cat"]).vocabulary == ("The", "cat")


@pytest.mark.parametrize("make, entry", [(lambda: TokensEncoder([1, 2]), "1"), (lambda: TokensEncoder(["a b"]), "'a b'"),
                                         (lambda: TokensEncoder(["a", ""]), "''"),
                                         (lambda: CharactersEncoder(["ab", "c"]), "'ab'"),
                                         (lambda: CharactersEncoder([7]), "7")])
def test_a_vocabulary_entry_no_text_can_give_is_refused(make, entry):
    """Text is split into strings (words without whitespace, or single characters), so an int entry (YAML's
    vocabulary: [0, 1, 2]), one holding a space or a multi-character one never matched: every such token was <unk>."""
    with pytest.raises(OptionError, match=f"vocabulary entry {entry} could never match") as caught:
        make()
    assert caught.value.diagnostics[0].option == "vocabulary"
    assert encode(TokensEncoder(["1", "2"]), "Input", "1 2 3").tolist() == [2, 3, 1]


def test_text_tables_saved_by_a_spreadsheet_with_a_byte_order_mark_read_their_first_column(tmp_path):
    from netgraph import text_table
    (tmp_path / "set.csv").write_bytes("text,label\ngood film,pos\nbad,neg\n".encode("utf-8-sig"))
    (tmp_path / "set.jsonl").write_bytes('{"text": "good", "label": "pos"}\n'.encode("utf-8-sig"))
    assert list(text_table(tmp_path / "set.csv")) == [("good film", "pos"), ("bad", "neg")]
    assert list(text_table(tmp_path / "set.jsonl")) == [("good", "pos")]
    (tmp_path / "other.csv").write_text("txt,label\na,pos\n")
    with pytest.raises(DataError, match=r"its header row has no column 'text' \(its columns are \['txt', 'label'\]\)"):
        text_table(tmp_path / "other.csv")


def test_a_csv_without_the_columns_is_told_once_and_a_short_row_by_its_number(tmp_path):
    """Columns named otherwise were reported for each row ("row 0: no column 'text' or 'label' ...; row 1: ..."),
    five times over; a row without a label became "example 1: expected a label, found NoneType None" later."""
    from netgraph import text_table
    (tmp_path / "reviews.csv").write_text("review,sentiment\ngood film,pos\nbad,neg\nfine,pos\n")
    with pytest.raises(DataError) as info:
        text_table(tmp_path / "reviews.csv")
    assert str(info.value) == (f"text_table: {str(tmp_path / 'reviews.csv')!r}: its header row has no column 'text' or "
                               f"'label' (its columns are ['review', 'sentiment']); name the columns to read with "
                               f"text_table(path, text=..., label=...), or call them 'text' and 'label'")
    assert list(text_table(tmp_path / "reviews.csv", text="review", label="sentiment"))[1] == ("bad", "neg")
    (tmp_path / "short.csv").write_text("text,label\ngood film,pos\nbad\n")
    with pytest.raises(DataError, match=r"short.csv:3: no value for 'label' \(fewer fields than the header\)$"):
        text_table(tmp_path / "short.csv")


def test_net_train_reads_each_text_to_its_own_length_as_net_does():
    """Texts were batched padded with 0 and no lengths: a GRU read the padding in training, not in net(texts)."""
    from netgraph import GatedRecurrentLayer, net_train
    coder = TokensEncoder(["good", "bad", "film", "very"])
    texts = ["good film", "bad", "very bad film", "good", "very good", "bad film very bad", "film", "good good"]
    labels = ["pos", "neg", "neg", "pos", "pos", "neg", "neg", "pos"]
    layers = lambda: [EmbeddingLayer(4, len(coder.tokens)), GatedRecurrentLayer(3), SequenceLastLayer(),  # noqa: E731
                      LinearLayer(2), SoftmaxLayer()]
    options = dict(max_training_rounds=3, batch_size=4, random_seed=0, learning_rate=0.05)
    from_texts = net_train(NetChain(layers(), input=coder, output=ClassDecoder(["neg", "pos"])),
                           list(zip(texts, labels)), **options)
    plain = net_train(NetChain(layers(), input=["n"]), {"Input": encode(coder, "Input", texts, ragged=True),
                                                       "Target": torch.tensor([int(y == "pos") for y in labels])},
                      **options)  # token sequences of different lengths: padded batches with their lengths
    a, b = from_texts.compile().state_dict(), plain.compile().state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_padded_token_sequences_at_a_text_port_train_as_encoded_data():
    """A Padded value at an encoded port was taken as the list [data, lengths]: its lengths became 'example 1'."""
    from netgraph import GatedRecurrentLayer, Padded, net_train
    coder = TokensEncoder(["good", "bad", "film"])
    net = NetChain([EmbeddingLayer(4, len(coder.tokens)), GatedRecurrentLayer(3), SequenceLastLayer(), LinearLayer(2),
                    SoftmaxLayer()], input=coder, output=ClassDecoder(["neg", "pos"]))
    options = dict(max_training_rounds=2, batch_size=2, random_seed=0)
    padded = net_train(net, {"Input": Padded(torch.tensor([[2, 4], [3, 0], [2, 2]]), [2, 1, 2]),
                             "Output": ["pos", "neg", "pos"]}, **options)
    texts = net_train(net, {"Input": ["good film", "bad", "good good"], "Output": ["pos", "neg", "pos"]}, **options)
    a, b = padded.compile().state_dict(), texts.compile().state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)


_COMPOSED, _DECOMPOSED = "caf\u00e9", "cafe\u0301"  # "café" as one code point é, and as e + a combining accent


def test_decomposed_text_stays_unknown_without_normalization():
    """Off by default: turning it on would change which tokens existing nets see (documented in the README)."""
    assert encode(TokensEncoder([_COMPOSED]), "Input", _DECOMPOSED).tolist() == [1]


@pytest.mark.parametrize("cls, vocabulary, encoded", [(TokensEncoder, [_COMPOSED, "noir"], [2, 3]),
                                                      (CharactersEncoder, f"{_COMPOSED}noir ", [2, 3, 4, 5, 10, 6, 7, 8, 9])])
def test_nfc_normalization_reads_decomposed_text_as_the_vocabularys_composed_form(cls, vocabulary, encoded):
    coder = cls(vocabulary, normalization="NFC")
    assert encode(coder, "Input", f"{_DECOMPOSED} noir").tolist() == encoded
    assert encode(coder, "Input", f"{_COMPOSED} noir").tolist() == encoded


def test_lowercase_and_normalization_together_find_the_lowercase_composed_entry():
    coder = TokensEncoder([_COMPOSED], lowercase=True, normalization="NFC")
    assert encode(coder, "Input", "CAFE\u0301").tolist() == [2]


@pytest.mark.parametrize("cls, vocabulary, text, encoded", [
    (TokensEncoder, ["hello", "real"], "\u210cello \u211deal", [2, 3]),  # ℌ, ℝ: NFKC gives H, R
    (TokensEncoder, ["a1"], "\u1d2c\u00b9", [2]),  # modifier letter capital A, superscript one
    (CharactersEncoder, "hr", "\u210c\u211d", [2, 3])])
def test_normalization_applies_before_lowercase_so_capitals_it_gives_are_lowercased(cls, vocabulary, text, encoded):
    """NFKC (and NFKD) can give capitals; normalising after lowercasing left them, unknown to a lowercase vocabulary."""
    for form in ("NFKC", "NFKD"):
        assert encode(cls(vocabulary, lowercase=True, normalization=form), "Input", text).tolist() == encoded


def test_a_vocabulary_entry_not_in_the_normalization_form_is_refused():
    with pytest.raises(OptionError, match=r"normalization=.*entry 'cafe\\u0301'.* could never match") as info:
        TokensEncoder([_DECOMPOSED], normalization="NFC")
    assert info.value.diagnostics[0].option == "normalization"


@pytest.mark.parametrize("form", ["nfc", "NFX", 1])
def test_an_unknown_normalization_form_is_refused(form):
    with pytest.raises(OptionError, match="normalization=: one of None, 'NFC', 'NFD', 'NFKC', 'NFKD'") as info:
        TokensEncoder(["a"], normalization=form)
    assert info.value.diagnostics[0].option == "normalization"


def test_normalization_is_saved_in_yaml_and_read_back():
    coder = TokensEncoder([_COMPOSED], normalization="NFC")
    assert coder.options()["normalization"] == "NFC"
    assert coder_from_data({"type": "TokensEncoder", **coder.options()}, "encoder", "port 'Input'") == coder


@pytest.mark.parametrize("separator, said", [(";", "';'"), ("\t", "tabs"), ("|", "'|'")])
def test_a_csv_separated_otherwise_says_by_what(tmp_path, separator, said):
    """A spreadsheet's .csv in a locale with a decimal comma is separated by ';' (a .tsv often named .csv by tabs):
    its header 'text;label' was told "column 'text;label' (did you mean 'label'?)" (QA)."""
    from netgraph import text_table
    (tmp_path / "set.csv").write_text(f"text{separator}label\ngood{separator}pos\n")
    with pytest.raises(DataError) as info:
        text_table(tmp_path / "set.csv")
    assert str(info.value).endswith(f"(its columns are [{f'text{separator}label'!r}]); its fields are separated by "
                                    f"{said}, not commas: save the table as comma-separated values")


def test_a_character_taggers_text_target_is_told_to_give_its_characters():
    """A tagger's target 'bcda' was refused as 'expected a list of labels', without saying list('bcda') is the fix."""
    net = NetChain([EmbeddingLayer(4), NetMapOperator(LinearLayer(4)), SoftmaxLayer()],
                   input=CharactersEncoder(list("abcd")), output=ClassDecoder(list("abcd")))
    fix = "its characters are labels: give list(text)"
    with pytest.raises(DataError, match=r"found str 'bcda'; " + re.escape(fix)):
        net_train(net, {"Input": ["abcd"], "Target": ["bcda"]}, max_training_rounds=1, progress=False)
    with pytest.raises(DataError, match="found str 'bcdx'") as caught:  # 'x' is no label: no such advice
        net_train(net, {"Input": ["abcd"], "Target": ["bcdx"]}, max_training_rounds=1, progress=False)
    assert fix not in str(caught.value)
    net_train(net, {"Input": ["abcd"], "Target": [list("bcda")]}, max_training_rounds=1, progress=False)


def test_a_tables_labels_true_and_1_are_two_labels(tmp_path):
    """A set kept one of the JSON labels true and 1 (Python has True == 1): labels were (True,), so a ClassDecoder
    made of them lacked the label 1."""
    (tmp_path / "set.jsonl").write_text('{"text": "a", "label": true}\n{"text": "b", "label": 1}\n'
                                        '{"text": "c", "label": 0.0}\n{"text": "d", "label": false}\n'
                                        '{"text": "e", "label": 1.0}\n')
    assert text_table(tmp_path / "set.jsonl").labels == (0.0, 1, False, True)
