"""The generator alone (no database): text safety for COPY, determinism, bounded chunks."""

import numpy as np

from fixtures import vocab
from fixtures.generate import JOB_CHUNK, TABLE_ORDER, Generator
from fixtures.load import encode
from fixtures.scale import parse_scale


def _all_words() -> list[str]:
    words = [name for name, subs in vocab.INDUSTRIES for name in [name, *subs]]
    for value in vars(vocab).values():
        if isinstance(value, list) and value and isinstance(value[0], str):
            words += value
        elif isinstance(value, list) and value and isinstance(value[0], list):
            words += [w for group in value for w in group]
    words += [domain for domain, _ in vocab.EMAIL_DOMAINS]
    return words


def test_word_lists_are_safe_for_copy_text_format():
    words = _all_words()
    assert len(words) > 500
    for word in words:
        assert word == word.strip() and word
        assert not set(word) & {"\t", "\n", "\r", "\\", '"'}, word


def _digest(scale: str, seed: int) -> str:
    import hashlib

    h = hashlib.sha256()
    for batch in Generator(parse_scale(scale), seed, "hash").batches():
        h.update(batch.table.encode())
        h.update(encode(batch.data).to_pybytes())
    return h.hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes():
    assert _digest("tiny", 42) == _digest("tiny", 42)
    assert _digest("tiny", 42) != _digest("tiny", 43)


def test_batches_are_bounded_and_ids_contiguous():
    scale = parse_scale("3000")  # 15,000 jobs: two job chunks
    ids: dict[str, list[np.ndarray]] = {t: [] for t in TABLE_ORDER}
    for batch in Generator(scale, 1, "hash").batches():
        if batch.table == "jobs_job":
            assert batch.data.num_rows <= JOB_CHUNK
        ids[batch.table].append(batch.data.column("id").to_numpy())
    assert len(ids["jobs_job"]) == 2
    for table, parts in ids.items():
        joined = np.concatenate(parts)
        assert (joined == np.arange(1, len(joined) + 1)).all(), table
