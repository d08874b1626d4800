"""Dedupe at scale: no block of any kind grows quadratically, the array pre-filter drops only
pairs that cannot match, and the column-wide code check says what python-stdnum says."""

from __future__ import annotations

import functools
import itertools
import random
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from xltools.core.dedupe import book_features, find_duplicates, match_against, score_candidates
from xltools.core.dedupe.keys import CLEAN, candidate_pairs, codes_valid, features
from xltools.core.normalize import credit_code, email, phone_digits
from xltools.core.privacy import is_masked
from xltools.core.dedupe.prefilter import could_match
from xltools.testing import make_db

sys.path.insert(0, str(Path(__file__).parent / "data"))
import dedupe_eval  # noqa: E402
import dedupe_hard  # noqa: E402

CHARS = "金辰启明晟宇朗峰佳禾恒远博瑞泰和安信睿嘉诺亿华东丰达龙兴汇宝荣凤"


def company_names(n: int, seed: int) -> list[str]:
    r = random.Random(seed)
    names: set[str] = set()
    while len(names) < n:
        names.add("苏州" + "".join(r.sample(CHARS, 4)) + r.choice(("电子", "贸易", "物流")) + "有限公司")
    return sorted(names)


def uscc_code(division: str, body: str) -> str:
    head = "91" + division + body
    return head + uscc.calc_check_digit(head)


def ric_code(head14: str, seq: str = "123") -> str:
    number = head14 + seq + "0"
    return number[:17] + ric.calc_check_digit(number)


def block(kind: str, n: int) -> pd.DataFrame:
    """``n`` customers that all share one thing of ``kind`` (and differ otherwise)."""
    names = company_names(n, seed=n)
    rows = [{"CustomerID": f"C{i:011d}", "CustomerName": name, "CustomerType": "企业"}
            for i, name in enumerate(names)]
    for i, row in enumerate(rows):
        if kind == "landline":
            row["ContactPhone"] = "0512-6888 0000"
        elif kind == "mobile":
            row["ContactPhone"] = "13912345678"
        elif kind == "email":
            row["Email"] = "info@example.com"
        elif kind == "fingerprints":
            row["PhoneFP"] = row["EmailFP"] = "a1b2c3d4e5f6a7b8"
        elif kind == "credit code":
            row["CreditCode"] = uscc_code("320500", "MA1MXXXX3")
        elif kind == "code fingerprint":
            row["CreditCodeFP"] = "0f0f0f0f0f0f0f0f"
        elif kind == "customer id":
            row["CustomerID"] = "C20240101001"
        elif kind == "name core":   # one name typed by everyone, in many places
            row["CustomerName"] = ("苏州", "无锡", "", "广州")[i % 4] + "华腾科技有限公司"
        elif kind == "homophones":  # 华腾 / 华藤 / 化腾 ... one pinyin
            row["CustomerName"] = ("华腾", "华藤", "化腾", "化藤")[i % 4] + "科技有限公司"
        elif kind == "address":     # one office building, written in the remarks
            row["Remarks"] = "苏州工业园区星湖街328号创意产业园"
        elif kind == "latin brand":  # one English brand typed by everyone, a few Chinese names
            row["CustomerName"] = "Huateng Technology Co., Ltd." if i % 50 else "华腾科技有限公司"
        elif kind == "everything":
            row.update(ContactPhone="0512-6888 0000", Email="info@example.com",
                       CustomerName="华腾科技有限公司")
    return pd.DataFrame(rows)


KINDS = ("landline", "mobile", "email", "fingerprints", "credit code", "code fingerprint",
         "customer id", "name core", "homophones", "address", "latin brand", "everything")


@pytest.mark.parametrize("kind", KINDS)
def test_a_big_block_of_any_kind_gives_linearly_many_pairs(kind):
    """Pairs compared grow with the block, not with its square: doubling the block at most
    doubles them, and each record meets a bounded number of others."""
    counts = {}
    for n in (1500, 3000):
        blocking = candidate_pairs(features(block(kind, n)))
        counts[n] = blocking.n_pairs
        assert blocking.n_pairs <= 40 * n, (kind, n, blocking.n_pairs)
    assert counts[3000] <= 2.2 * counts[1500] + 100, (kind, counts)


def test_a_block_that_is_all_one_customer_becomes_one_cluster():
    df = block("credit code", 3000)
    clusters = find_duplicates(make_db({"Customers": df}))
    assert len(clusters) == 1 and sorted(clusters[0].ids) == sorted(df["CustomerID"])


def test_a_switchboard_keeps_its_look_alike_names():
    """A building's switchboard shared by 2,000 companies, among them a few homophone twins."""
    names = company_names(2000, seed=3)
    twins = ["苏州华腾泰和电子有限公司", "苏州华藤泰和电子有限公司"]
    rows = [{"CustomerID": f"C{i:011d}", "CustomerName": name, "CustomerType": "企业",
             "ContactPhone": "0512-6888 0000"} for i, name in enumerate(names + twins)]
    clusters = find_duplicates(make_db({"Customers": pd.DataFrame(rows)}))
    ids = {f"C{len(names):011d}", f"C{len(names) + 1:011d}"}
    assert any(set(c.ids) == ids for c in clusters)


def test_inside_a_switchboard_names_one_character_apart_still_meet():
    """2,730 companies of one trade behind one switchboard (every three-character brand of 15
    characters), and 安宇达泽 typed with a character too many for 安宇泽: sorted by pinyin either
    way, other names sit between the two, so only their spelling brings them together."""
    chars = "安博辰达峰华金朗明诺启瑞泰宇泽"
    brands = ["".join(p) for p in itertools.permutations(chars, 3)] + ["安宇达泽"]
    rows = [{"CustomerID": f"C{i:011d}", "CustomerName": f"苏州{brand}环保科技有限公司",
             "CustomerType": "企业", "ContactPhone": "0512-6888 0000"}
            for i, brand in enumerate(brands)]
    feat = features(pd.DataFrame(rows))
    matches = {(i, j) for i, j, _ in score_candidates(feat, candidate_pairs(feat))}
    assert (brands.index("安宇泽"), len(brands) - 1) in matches


def shared(df: pd.DataFrame, **columns) -> pd.DataFrame:
    out = df.copy()
    for column, value in columns.items():
        out[column] = value
    return out


@functools.lru_cache(maxsize=1)
def data_sets():
    hard = dedupe_hard.generate(250, seed=11).drop(columns=["EntityID", "Kind"])
    ev = dedupe_eval.generate(800, seed=11)
    people = pd.DataFrame([{"CustomerID": f"C{i:011d}", "CustomerType": "个人",
                            "CustomerName": name, "ContactPhone": "0512-6888 0000"}
                           for i, name in enumerate(["张伟", "张 伟", "张玮", "王芳", "Zhang Wei",
                                                     "zhang wei", "李娜", "李娜娜", ""] * 20)])
    # every kind of name and evidence thrown together: phones, e-mails, codes and customer types
    # drawn from small pools, so any two kinds of record meet with any evidence between them
    r = np.random.default_rng(3)
    mix = pd.concat([hard, ev, people], ignore_index=True)
    for column in ("ContactPhone", "Email", "CreditCode", "CustomerType"):
        pool = mix[column].dropna().unique()
        pool = np.r_[pool[:40], [None] * 10] if column != "CustomerType" else pool
        mix[column] = r.choice(pool, len(mix))
    odd = pd.DataFrame([{"CustomerID": f"C{i:011d}", "CustomerType": "企业", "CustomerName": name,
                         "ContactPhone": 13912345678 if i % 2 else "0512-6888 0000"}
                        for i, name in enumerate(["华腾\ud800科技", "华腾\ud800科技有限公司", 12345, 12345.0,
                                                  None, "", "  ", "ＡＢＣ", "abc", "🙂🙂科技",
                                                  "🙂🙂科技公司", "(集团)", "有限公司",
                                                  "华" * 80 + "科技", "华" * 79 + "腾科技"] * 3)])
    return {
        "odd cells": odd,
        "everything shuffled": mix,
        "hard set": hard,
        "evaluation set": ev,
        "hard set, one switchboard for all": shared(hard, ContactPhone="0512-6888 0000"),
        "hard set, one mobile for all": shared(hard, ContactPhone="139 1234 5678"),
        "evaluation set, one e-mail for all": shared(ev, Email="sales@example.com"),
        "people sharing a phone": people,
    }


@pytest.mark.parametrize("name", list(data_sets()))
@pytest.mark.parametrize("threshold", [0.80, 0.60])
def test_the_prefilter_drops_only_pairs_that_cannot_match(name, threshold):
    feat = features(data_sets()[name].copy())
    blocking = candidate_pairs(feat)
    plain = score_candidates(feat, blocking, threshold, prefilter=False)
    filtered = score_candidates(feat, blocking, threshold)
    as_list = lambda ms: [(i, j, ps.score, ps.text) for i, j, ps in ms]  # noqa: E731
    assert plain and as_list(filtered) == as_list(plain)


def test_the_prefilter_compares_names_a_batch_of_pairs_at_a_time(monkeypatch):
    from xltools.core.dedupe import prefilter
    feat = features(data_sets()["everything shuffled"].copy())
    blocking = candidate_pairs(feat)
    whole = could_match(feat, blocking.left, blocking.right, 0.60)
    monkeypatch.setattr(prefilter, "BATCH", 7)      # many batches, the last one short
    assert 0 < whole.sum() < len(whole)
    assert (could_match(feat, blocking.left, blocking.right, 0.60) == whole).all()


def test_the_prefilter_bounds_a_slice_of_pairs_at_a_time(monkeypatch):
    from xltools.core.dedupe import prefilter
    feat = features(data_sets()["everything shuffled"].copy())
    blocking = candidate_pairs(feat)
    whole = could_match(feat, blocking.left, blocking.right, 0.60)
    monkeypatch.setattr(prefilter, "SLICE", 7)      # many slices, the last one short
    assert len(whole) % 7 and 0 < whole.sum() < len(whole)
    assert (could_match(feat, blocking.left, blocking.right, 0.60) == whole).all()


def test_the_prefilter_sets_aside_most_of_a_switchboard():
    feat = features(block("landline", 3000))
    blocking = candidate_pairs(feat)
    kept = could_match(feat, blocking.left, blocking.right, 0.80)
    assert kept.sum() < 0.05 * blocking.n_pairs


def many_codes(seed: int = 5) -> tuple[list[str], list[bool]]:
    """Codes of every sort with who they belong to: valid ones, one character changed, unknown
    counties, impossible or far-off birth dates, lower case, garbage, masked, blank."""
    r = random.Random(seed)
    divisions = ["110105", "440300", "320505", "510107", "650102", "990000", "110199", "000000"]
    codes, person = [], []
    for _ in range(3000):
        if r.random() < 0.5:
            code = uscc_code(r.choice(divisions), "".join(r.choices("0123456789ABCDEFGHJKLMNPQRTUWXY", k=9)))
            is_person = r.random() < 0.1
        else:
            year = r.choice(["1949", "1985", "2003", "1500", "2099", "0000"])
            date = year + r.choice(["0312", "0229", "1301", "1231", "0230"])
            code = ric_code(r.choice(divisions) + date, f"{r.randrange(1000):03d}")
            is_person = r.random() < 0.9
        roll = r.random()
        if roll < 0.3:
            pos = r.randrange(18)
            code = code[:pos] + r.choice("0123456789XAZ*") + code[pos + 1:]
        elif roll < 0.35:
            code = code[:-1]
        elif roll < 0.38:
            code = "".join(r.choices("0123456789X", k=18))
        elif roll < 0.40:
            code = ""
        elif roll < 0.42:
            code = code[:6] + "********" + code[-4:]
        codes.append(code)
        person.append(is_person)
    return codes, person


def test_code_check_over_a_column_says_what_python_stdnum_says():
    codes, person = many_codes()
    got = codes_valid(codes, np.array(person))
    for code, is_person, ok in zip(codes, person, got):
        try:
            expected = bool(code) and (ric.is_valid(code) if is_person else uscc.is_valid(code))
        except KeyError:  # stdnum.cn.ric on an unknown county
            expected = False
        assert ok == expected, (code, is_person)
    assert 0.1 < got.mean() < 0.9  # both answers are well represented


@pytest.mark.parametrize("kind, normalise", [("code", credit_code), ("phone", phone_digits),
                                             ("email", email)])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_text_read_as_already_clean_is_what_the_normaliser_gives(kind, normalise, data):
    """Cells matching keys.CLEAN skip the per-value normaliser: it must return them unchanged."""
    text = data.draw(st.from_regex(CLEAN[kind], fullmatch=True))
    assert normalise(text) == text and not is_masked("", text)


def test_a_column_of_clean_and_messy_cells_reads_as_cell_by_cell():
    cells = ["91440300MA5F5X1234", "9144 0300-ma5f5x1234", "13812345678", "+86 138-1234-5678",
             "0755-8888 1234 转 801", "075588881234", 13812345678.0, 13812345678, "138****5678",
             "Sales@Example.COM", "sales@example.com", "ｓａｌｅｓ＠ｅｘａｍｐｌｅ．ｃｏｍ", "s***@qq.com",
             None, float("nan"), "  ", "", "008613812345678", "8613812345678"]
    # text only (read in Arrow's kernels), with a final newline, which a regex's $ would pass;
    # and text with half a surrogate pair (read cell by cell)
    text = [c for c in cells if not isinstance(c, (int, float))] + [
        "13812345678\n", "91440300MA5F5X1234\n", "sales@example.com\n", "0755****1234"]
    for cells in (cells, text, text + ["138\ud8001234"]):
        feat = features(pd.DataFrame({"CreditCode": cells, "ContactPhone": cells, "Email": cells}))
        for column, normalise in (("code", credit_code), ("phone", phone_digits), ("email", email)):
            expected = ["" if v is None or v != v or not str(v).strip() or is_masked("", v)
                        else normalise(v) for v in cells]
            assert feat[column].tolist() == expected, column


def test_a_fingerprint_column_reads_as_cell_by_cell():
    cells = ["0123abcdef0123abcdef0123abcdef01", " 0123abcdef0123abcdef0123abcdef01 ", "ABCDEF",
             12345, 12345.0, None, float("nan"), "  ", "", "abc\n", "***", "0123abcdef"]
    for cells in (cells, [c for c in cells if not isinstance(c, (int, float))]):  # text: Arrow
        feat = features(pd.DataFrame({"PhoneFP": cells, "CreditCodeFP": cells, "EmailFP": cells}))
        expected = ["" if v is None or v != v or not str(v).strip() else str(v).strip()
                    for v in cells]
        for column in ("phone_fp", "code_fp", "email_fp"):
            assert feat[column].tolist() == expected, column


def test_an_import_matched_a_chunk_at_a_time_against_a_book_read_once():
    """match_against with the book's features prepared once gives, chunk by chunk, what one call
    on the whole import gives."""
    ev = dedupe_eval.generate(900, seed=12)
    book = make_db({"Customers": ev.iloc[:500].reset_index(drop=True)})
    incoming = ev.iloc[500:].copy()
    incoming.index = [f"r{i}" for i in range(len(incoming))]
    whole = [m.to_json() for m in match_against(book, incoming)]
    prepared = book_features(book)
    chunked = [m.to_json() for start in range(0, len(incoming), 150)
               for m in match_against(book, incoming.iloc[start:start + 150], book=prepared)]
    assert whole and chunked == whole
