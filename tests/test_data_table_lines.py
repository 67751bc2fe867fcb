"""Text tables (.csv, .jsonl): a bad row is named by its file and line, as spec errors are (file:line)."""

from __future__ import annotations

import os

import pytest

from netgraph import text_table
from netgraph.core.errors import DataError
from netgraph.data.json_lines import label_item
from netgraph.data.sources import read_table


def table_error(path, text: str | None = None) -> DataError:
    """The DataError that ``text_table(path)`` raises, ``text`` written there first when given."""
    if text is not None:
        path.write_text(text)
    with pytest.raises(DataError) as info:
        text_table(path)
    return info.value


def test_a_bad_csv_row_is_named_by_its_line_counting_the_header_blank_lines_and_quoted_newlines(tmp_path):
    """A short row was 'row 2' (its index among the records): the user counted lines to find it, off by the
    header, by blank lines and by texts quoted over several lines."""
    path = tmp_path / "t.csv"
    error = table_error(path, 'text,label\n"a review\nover two lines",pos\n\nok,neg\nshort\n')
    assert str(error) == f"text_table: {path}:6: no value for 'label' (fewer fields than the header)"


def test_a_bad_jsonl_record_is_named_by_its_line_counting_blank_lines(tmp_path):
    path = tmp_path / "t.jsonl"
    error = table_error(path, '{"text": "a", "label": "x"}\n\n[1, 2]\n')
    assert str(error) == f"text_table: {path}:3: not an object"


def test_more_than_five_bad_rows_say_how_many_more(tmp_path):
    path = tmp_path / "t.csv"
    error = table_error(path, "text,label\n" + "short\n" * 7)
    assert str(error).count("fewer fields") == 5
    assert str(error).startswith(f"text_table: {path}:2: no value")
    assert str(error).endswith(f"{path}:6: no value for 'label' (fewer fields than the header); ... and 2 more")


def test_a_jsonl_record_with_a_mistyped_key_is_told_the_key_it_likely_means(tmp_path):
    """A .jsonl record {"txet": ...} was told only "no column 'text' (its columns are ['txet', 'label'])", where a
    .csv header's same typo names the column it likely means."""
    path = tmp_path / "t.jsonl"
    error = table_error(path, '{"txet": "good", "lable": "pos"}\n{"review": "bad", "label": "neg"}\n')
    assert str(error) == (f"text_table: {path}:1: no column 'text' or 'label' (its columns are ['txet', "
                          f"'lable']); column 'txet' (did you mean 'text'?); column 'lable' (did you mean "
                          f"'label'?); {path}:2: no column 'text' (its columns are ['review', 'label'])")


@pytest.mark.parametrize("record, problem", [
    ('{"text": ' + "[" * 100_000 + "]" * 100_000 + ', "label": "x"}', "nested too deeply for Python's json module"),
    ('{"text": "a", "label": 1' + "0" * 5000 + "}", "Exceeds the limit (4300 digits) for integer string conversion")])
def test_a_jsonl_record_the_json_module_refuses_is_named_by_its_line(tmp_path, record, problem):
    """A record nested 100,000 deep escaped as a RecursionError with its traceback; a number of 5,000 digits said
    "cannot read 't.jsonl': Exceeds the limit ..." without the line."""
    path = tmp_path / "t.jsonl"
    error = table_error(path, '{"text": "a", "label": "x"}\n' + record + "\n")
    assert str(error).startswith(f"text_table: {path}:2: not a JSON record: {problem}")


def test_a_quote_left_open_that_runs_past_csv_s_field_limit_is_named_by_its_line(tmp_path):
    """A stray quote takes in the rest of the file as one text; past 131,072 characters the csv module stopped with
    "cannot read 't.csv': field larger than field limit (131072)", naming no line and no cause."""
    path = tmp_path / "t.csv"
    error = table_error(path, 'text,label\ngood,pos\n"bad,neg\n' + "fine,pos\n" * 20_000)
    assert str(error) == (f"text_table: {path}:3: a field longer than the csv module's limit of 131,072 "
                          f"characters: a quote left open (its text runs on through the lines below), or a text "
                          f"that long (csv.field_size_limit(n) raises the limit)")


def test_an_example_of_a_table_that_cannot_be_encoded_names_its_line(cli):
    """A label the decoder lacks in a .csv was 'example 2': the user counted rows (from 0, below the header)."""
    cli.spec("netgraph: 1\ntype: NetChain\nlayers:\n  embed: {type: EmbeddingLayer, output: 4, n: 4}\n"
             "  mean: {type: AggregationLayer, function: Mean, levels: 1}\n  logits: {type: LinearLayer, output: 2}\n"
             "  probs: SoftmaxLayer\ninputs: {Input: {encoder: {type: TokensEncoder, vocabulary: [good, bad]}}}\n"
             "outputs: {Output: {decoder: {type: ClassDecoder, labels: [pos, neg]}}}\n")
    (cli.folder / "t.csv").write_text('text,label\ngood,pos\n"bad\nfilm",neg\n\ngood bad,pso\n')
    ran = cli("train", "s.yaml", "--data", "t.csv", "-o", "out", "--quiet", "--rounds", "1")
    assert ran.code == 1
    assert ran.err == ("netgraph train: --data t.csv: target 'Output' (ClassDecoder): example 2 (t.csv:6, column "
                       "'label'): label 'pso' is not one of the 2 labels ['pos', 'neg'] (did you mean 'pos'?)\n")
    (cli.folder / "t.csv").write_text('text,label\ngood,pos\nbad,neg\nbad,pso\ngood,pos\n')
    ran = cli("train", "s.yaml", "--data", "t.csv", "--validation", "0.5", "-o", "out", "--quiet", "--rounds", "1")
    assert "example 2 (t.csv:4, column 'label'): label 'pso'" in ran.err  # training or held-out part: one place


def test_a_pipe_named_as_a_table_is_refused_as_no_regular_file_not_as_missing(tmp_path):
    """A FIFO named t.csv was "no file 't.csv'", though it is there; it is refused unread (reading could block)."""
    import os
    path = tmp_path / "t.csv"
    os.mkfifo(path)
    error = table_error(path)
    assert str(error) == f"text_table: {str(path)!r} is not a regular file (a device or pipe); give a .csv file"


def test_a_table_that_is_a_pipe_when_opened_is_refused_unread_not_read_until_it_ends(tmp_path, monkeypatch):
    """The table was checked with is_file() and then opened with open(): a file swapped for a pipe in between (here
    the check is made to pass) blocked the reader forever; the file is now judged on the opened file itself."""
    import os
    import pathlib
    import threading
    path = tmp_path / "t.csv"
    os.mkfifo(path)
    monkeypatch.setattr(pathlib.Path, "is_file", lambda self: True)  # a regular file when checked
    outcome = []
    reader = threading.Thread(target=lambda: outcome.append(_raised(lambda: text_table(path))), daemon=True)
    reader.start()
    reader.join(timeout=10)
    if reader.is_alive():  # blocked opening the pipe: give it a writer (and an end) so that the thread finishes
        with open(path, "w"):
            pass
        reader.join(timeout=10)
        pytest.fail("text_table blocked on a pipe")
    assert str(outcome[0]) == f"text_table: {str(path)!r} is not a regular file (a device or pipe); give a .csv file"


def _raised(run):
    try:
        run()
    except DataError as exc:
        return exc
    return None


@pytest.mark.parametrize("name", ["t.csv", "t.jsonl"])
def test_an_empty_table_file_says_it_is_empty_not_that_it_has_no_rows(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"")
    error = table_error(path)
    assert str(error).startswith(f"text_table: {str(path)!r} is empty (0 bytes)")
    header_only = tmp_path / "h.csv"
    header_only.write_text("text,label\n")
    with pytest.raises(DataError, match=r"no rows$"):  # a header without rows still says so
        text_table(header_only)


def test_a_folder_named_as_a_table_is_called_a_folder(tmp_path):
    path = tmp_path / "t.csv"
    path.mkdir()
    error = table_error(path)
    assert str(error) == f"text_table: {str(path)!r} is a folder, not a table; give a .csv file"


@pytest.mark.parametrize("label, found", [('{"a": 1}', "an object"), ('[["a"]]', "a list holding a list"),
                                          ('["a", {"b": 1}, ["c"]]', "a list holding an object")])
def test_a_jsonl_label_that_is_no_label_is_named_by_its_line_not_a_type_error(tmp_path, label, found):
    """A record whose label is a JSON object or a list of lists raised Python's 'TypeError: unhashable type' from
    collecting the table's labels, naming neither the file nor the line."""
    path = tmp_path / "t.jsonl"
    error = table_error(path, '{"text": "a", "label": "x"}\n' + f'{{"text": "b", "label": {label}}}\n')
    assert str(error) == (f"text_table: {path}:2: the label must be a string, a number or true/false (or a "
                          f"list of them, one per position of a sequence), found {found}")


def test_a_table_s_number_labels_are_sorted_as_numbers(tmp_path):
    """Labels 0..11 were sorted as texts, (0, 1, 10, 11, 2, ...), so ClassDecoder(table.labels) gave class 2 the
    label 10; numbers sort by value, as numpy's unique and sklearn's LabelEncoder order them."""
    path = tmp_path / "t.jsonl"
    path.write_text("".join(f'{{"text": "t{n}", "label": {n}}}\n' for n in (10, 2, 0, 11, 1, 2.5)))
    assert text_table(path).labels == (0, 1, 2, 2.5, 10, 11)


def test_a_table_s_text_and_number_labels_sort_numbers_first_then_texts():
    from netgraph.data import Examples

    assert Examples([("a", "b"), ("c", 10), ("d", "a"), ("e", 3)], "data").labels == (3, 10, "a", "b")


def test_an_empty_csv_cell_read_is_a_missing_value_named_by_its_line(tmp_path):
    """A row 'a fine film,' was read as the label '' (a class of its own in table.labels, which ClassDecoder(
    table.labels) would train on); an empty text failed only when encoded. Both are missing values, named where they
    are, as a row of too few fields is."""
    path = tmp_path / "t.csv"
    error = table_error(path, 'text,label\na fine film,\n"",neg\ngood,pos\n')
    assert str(error) == (f"text_table: {path}:2: an empty cell for 'label' (a missing value: fill it or remove "
                          f"the row); {path}:3: an empty cell for 'text' (a missing value: fill it or remove the "
                          f"row)")


def test_a_broken_jsonl_record_has_the_prefix_and_place_the_other_table_errors_have(tmp_path):
    """It read 't.jsonl:2:18: not a JSON record: ...' where every other problem of a table reads 'text_table: ...'."""
    path = tmp_path / "t.jsonl"
    error = table_error(path, '{"text": "a", "label": "x"}\n{"text": "b" "label": "y"}\n')
    assert str(error) == f"text_table: {path}:2:14: not a JSON record: Expecting ',' delimiter"
    found = error.diagnostics[0]
    assert (found.file, found.line, found.column, found.kind) == (str(path), 2, 14, "table-record")
    assert found.detail == "not a JSON record: Expecting ',' delimiter"


def test_a_csv_record_the_csv_module_refuses_has_the_prefix_and_place(tmp_path):
    path = tmp_path / "t.csv"
    error = table_error(path, 'text,label\ngood,pos\n"bad,neg\n' + "fine,pos\n" * 20_000)
    assert str(error).startswith(f"text_table: {path}:3: a field longer than the csv module's limit")
    found = error.diagnostics[0]
    assert (found.file, found.line, found.kind) == (str(path), 3, "table-record")


def test_text_that_is_not_utf8_has_the_prefix_and_place(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"text,label\ngood,pos\nbad\xff,neg\n")
    error = table_error(path)
    assert str(error).startswith(f"text_table: {path}:3:4: byte 0xff is not UTF-8 text")
    found = error.diagnostics[0]
    assert (found.file, found.line, found.column, found.kind) == (str(path), 3, 4, "table-record")


def test_each_bad_row_is_a_diagnostic_with_its_file_and_line(tmp_path):
    path = tmp_path / "t.jsonl"
    error = table_error(path, '{"text": "a", "label": "x"}\n[1]\n{"text": "b", "label": "y"}\n"z"\n')
    assert str(error) == f"text_table: {path}:2: not an object; {path}:4: not an object"
    assert [(d.file, d.line, d.kind, d.detail) for d in error.diagnostics] == [
        (str(path), 2, "table-row", "not an object"), (str(path), 4, "table-row", "not an object")]


@pytest.mark.parametrize("command_line, lead", [(False, "text_table: "), (True, "")])
@pytest.mark.parametrize("name, found", [("t.txt", "'.txt'"), ("t", "no suffix")])
def test_a_table_of_another_suffix_is_worded_for_the_front_end_reading_it(tmp_path, command_line, lead, name,
                                                                          found):
    """It said 'text_table reads .csv or .jsonl files' even to the command line (which names no Python function),
    where every other table error takes the front end's wording."""
    path = tmp_path / name
    path.write_text("text,label\na,b\n")
    with pytest.raises(DataError) as info:
        read_table(path, command_line=command_line)
    assert str(info.value) == f"{lead}{str(path)!r}: a table is a .csv or .jsonl file, found {found}"
    assert [d.kind for d in info.value.diagnostics] == ["table-suffix"]


@pytest.mark.parametrize("make", [lambda path: None, lambda path: path.mkdir(), lambda path: os.mkfifo(path)])
def test_the_suffix_is_checked_before_the_file_is_opened(tmp_path, make):
    """A missing t.txt was 'no file', a folder or pipe so named 'not a regular file': the file was opened first,
    though no .txt is a table whatever it holds."""
    path = tmp_path / "t.txt"
    make(path)
    with pytest.raises(DataError, match=r"a table is a \.csv or \.jsonl file, found '\.txt'$") as info:
        read_table(path)
    assert [d.kind for d in info.value.diagnostics] == ["table-suffix"]


def test_a_quote_left_open_is_named_as_the_likely_cause_of_a_short_row(tmp_path):
    """'"good,pos' opens a quote that nothing closes: the csv module reads the rest of the file into one field, and
    the row was told only "no value for 'label' (fewer fields than the header)" (QA)."""
    path = tmp_path / "t.csv"
    path.write_text('text,label\nfine,pos\n"good,pos\nbad,neg\nworse,neg\n')
    with pytest.raises(DataError) as info:
        text_table(path)
    assert str(info.value) == (f"text_table: {path}:3: no value for 'label' (fewer fields than the header, and its "
                               f"last field runs over 3 lines: a quote opened in it and not closed? It reads the lines "
                               f"below as its text)")


def test_a_jsonl_record_naming_a_column_twice_is_refused_at_its_line(tmp_path):
    """json.loads keeps the last of two "text" keys: the record was read with the second text, silently, where a
    .csv header naming a column twice is refused (QA). A key named twice that is not read, or a column's name as a
    key inside another column, is no problem."""
    path = tmp_path / "t.jsonl"
    path.write_text('{"text": "a", "label": "x", "id": 1, "id": 2}\n{"text": "b", "label": "y", "meta": {"label": 2}}\n'
                    '{"text": "b", "label": "x", "text": "c"}\n')
    with pytest.raises(DataError) as info:
        text_table(path)
    assert str(info.value) == (f"text_table: {path}:3: the record names 'text' twice (JSON would keep the last value, "
                               f"'c'); keep one")
    path.write_text('{"text": "a", "label": "x", "id": 1, "id": 2}\n'
                    '{"text": "b", "label": "y", "meta": {"label": 2}}\n')
    assert list(text_table(path)) == [("a", "x"), ("b", "y")]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_a_utf16_table_says_it_is_utf16(tmp_path, encoding):
    """Windows PowerShell's '>' writes UTF-16: the table was told "t.csv:1:1: byte 0xff is not UTF-8 text" (QA)."""
    path = tmp_path / "t.csv"
    path.write_bytes(("\ufeff" if encoding == "utf-16-be" else "").encode(encoding) +
                     "text,label\ngood,pos\n".encode(encoding))
    with pytest.raises(DataError) as info:
        text_table(path)
    assert str(info.value) == (f"text_table: {path}: UTF-16 text (it starts with UTF-16's byte-order mark), not "
                               f"UTF-8; save the table as UTF-8")
    assert info.value.diagnostics[0].file == str(path)


@pytest.mark.parametrize("label, written", [("NaN", "NaN"), ("1e400", "1e400"), ("-Infinity", "-Infinity"),
                                            ('["a", 1E999]', "1E999"), ('["a", 2.5, NaN, -1e400]', "NaN")])
def test_a_jsonl_label_that_is_no_finite_number_is_refused_at_its_line_as_written(tmp_path, label, written):
    """NaN and 1e400 were read as float labels (nan, inf), refused only later as "no label"."""
    path = tmp_path / "t.jsonl"
    error = table_error(path, '{"text": "a", "label": "x"}\n\n{"text": "b", "label": ' + label + "}\n")
    assert str(error).startswith(f"text_table: {path}:3: the label {written} is not a finite number")
    assert "one of the decoder's labels" in str(error)
    assert (error.diagnostics[0].line, error.diagnostics[0].file) == (3, str(path))


def test_label_item_is_the_first_faulty_value_of_a_label_or_of_its_list_with_its_index():
    """One walk over a label's values serves both checks of a JSONL label (no label, no finite number)."""
    is_text = lambda v: isinstance(v, str)  # noqa: E731
    assert label_item("a", is_text) == (None, "a")
    assert label_item([1, "b", "c"], is_text) == (1, "b")
    assert label_item([1, 2], is_text) is None and label_item(3, is_text) is None and label_item([], is_text) is None


def test_a_table_given_to_net_train_names_the_data_set_not_text_table_and_its_label_errors_fill_file_and_line(
        tmp_path):
    """Found by QA: a bad row of a table net_train read was 'text_table: t.csv:3: ...' (a function the user never
    called, and no word of training or validation data), and a bad label named t.csv:3 in its text only: the
    Diagnostic's file and line were None."""
    from netgraph import AggregationLayer, ClassDecoder, EmbeddingLayer, LinearLayer, NetChain, SoftmaxLayer, \
        TokensEncoder, net_train
    net = NetChain([EmbeddingLayer(4), AggregationLayer("Mean", 1), LinearLayer(2), SoftmaxLayer()],
                   input=TokensEncoder(list("ab")), output=ClassDecoder(["pos", "neg"]))
    good, short, label = tmp_path / "good.csv", tmp_path / "short.csv", tmp_path / "label.csv"
    good.write_text("text,label\na b,pos\nb,neg\n")
    short.write_text("text,label\na b,pos\nshort\n")
    label.write_text("text,label\na b,pos\nb,maybe\n")
    with pytest.raises(DataError) as info:
        net_train(net, str(short), max_training_rounds=1, progress=False)
    assert str(info.value) == f"bad training data: {short}:3: no value for 'label' (fewer fields than the header)"
    with pytest.raises(DataError) as info:
        net_train(net, str(good), validation_set=str(short), max_training_rounds=1, progress=False)
    assert str(info.value).startswith(f"bad validation_set: {short}:3: no value for 'label'")
    with pytest.raises(DataError) as info:
        net_train(net, str(good), validation_set=str(label), max_training_rounds=1, progress=False)
    assert f"({label}:3, column 'label'): label 'maybe'" in str(info.value)
    assert (info.value.diagnostics[0].file, info.value.diagnostics[0].line) == (str(label), 3)


def test_examples_with_a_users_own_place_text_name_it_and_fill_no_file_or_line():
    """Found by review: the places of ``Examples`` were parsed back as 'file:line', so a user's own place text
    ('sheet1!A3') crashed with int()'s ValueError instead of the DataError naming the bad label."""
    from netgraph import AggregationLayer, ClassDecoder, EmbeddingLayer, LinearLayer, NetChain, SoftmaxLayer, \
        TokensEncoder, net_train
    from netgraph.data import Examples
    net = NetChain([EmbeddingLayer(4), AggregationLayer("Mean", 1), LinearLayer(2), SoftmaxLayer()],
                   input=TokensEncoder(list("ab")), output=ClassDecoder(["pos", "neg"]))
    for places in (["sheet1!A2", "sheet1!A3"], ["C:\\data\\t.csv:2", "C:\\data\\t.csv:3"]):
        with pytest.raises(DataError) as info:
            net_train(net, Examples([("a b", "pos"), ("a", "maybe")], "mine", places=places), max_training_rounds=1,
                      progress=False)
        assert f"example 1 ({places[1]}): label 'maybe'" in str(info.value)
        found = info.value.diagnostics[0]
        assert (found.example, found.file, found.line) == (1, None, None)
