"""The seal's signature space: estimated by pyHanko once per seal, then reused (one signature
made per certificate instead of a dummy one first), and never too small."""

import os

import pytest
from pyhanko.sign import signers

from services.certificates import keys as signing_keys
from services.certificates import render
from tests.unit.test_certificates_pdf import validate
from tests.unit.test_certificates_render import CONTENT


@pytest.fixture(scope="module")
def unsealed():
    return render.render_pdf(CONTENT)


@pytest.fixture
def keys(tmp_path):
    render._RESERVED.clear()
    yield signing_keys.resolve_keys(env={}, config={}, data_dir=tmp_path, development=True)
    render._RESERVED.clear()


@pytest.fixture
def signatures(monkeypatch):
    """How many CMS signatures pyHanko builds (its size estimate is one, a dry run)."""
    made = []
    real = signers.SimpleSigner.async_sign

    async def counted(self, *args, **kwargs):
        made.append(kwargs.get("dry_run", False))
        return await real(self, *args, **kwargs)

    monkeypatch.setattr(signers.SimpleSigner, "async_sign", counted)
    return made


def seal(pdf, keys):
    return render.seal_pdf(pdf, keys.seal_key_file, keys.seal_cert_file)


def assert_valid(pdf, keys):
    _, status = validate(pdf, keys)
    assert status.intact and status.valid and status.trusted and status.bottom_line


def test_the_first_seal_estimates_and_the_next_ones_sign_once_with_the_same_space(unsealed, keys, signatures):
    first = seal(unsealed, keys)
    assert signatures == [True, False]  # pyHanko's dry run, then the signature
    second = seal(unsealed, keys)
    assert signatures == [True, False, False]  # no dry run
    assert render.reserved_for_signature(first) == render.reserved_for_signature(second) > 0
    assert len(first) == len(second)
    assert_valid(first, keys)
    assert_valid(second, keys)


def test_a_reservation_too_small_is_sealed_again_with_pyhankos_estimate(unsealed, keys, signatures):
    estimated = render.reserved_for_signature(seal(unsealed, keys))
    [identity] = render._RESERVED
    render._RESERVED[identity] = 64  # far too few hex digits for any signature
    sealed = seal(unsealed, keys)
    assert_valid(sealed, keys)
    # pyHanko's estimate again (an ECDSA signature's length varies by a few bytes), remembered
    assert abs(render.reserved_for_signature(sealed) - estimated) <= 16
    assert render._RESERVED[identity] == render.reserved_for_signature(sealed)


def test_seal_files_replaced_in_place_are_estimated_again(unsealed, keys, signatures, tmp_path):
    seal(unsealed, keys)
    other = tmp_path / "other"
    signing_keys.generate_seal(other / "seal.key", other / "seal.crt", common_name="CIM replaced seal")
    for mine, theirs in ((keys.seal_key_file, other / "seal.key"), (keys.seal_cert_file, other / "seal.crt")):
        mine.write_bytes(theirs.read_bytes())
        os.utime(mine, ns=(1, 1))  # a time no earlier seal had
    del signatures[:]
    sealed = seal(unsealed, keys)
    assert signatures == [True, False]
    assert_valid(sealed, keys)


def test_a_pdf_without_a_byte_range_has_no_reservation_to_read():
    with pytest.raises(ValueError, match="ByteRange"):
        render.reserved_for_signature(b"%PDF-1.7\n%%EOF\n")
