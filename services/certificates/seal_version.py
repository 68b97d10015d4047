"""The writer the seal is applied with: it keeps the certificate at PDF 1.7.

PDF/A-3 is based on PDF 1.7 and its files must say so. pyHanko registers the ISO 32002
extension for an ECDSA seal on a P-256 key, and raises the catalog's /Version to 2.0 with it;
a PDF/A-3b file claiming 2.0 is not PDF/A-3. The extension's entry in /Extensions is allowed in
a 1.7 file, so only the version bump is refused here.
"""

from __future__ import annotations

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

PDF_A3_VERSION = (1, 7)


class Pdf17IncrementalWriter(IncrementalPdfFileWriter):
    def ensure_output_version(self, version):
        super().ensure_output_version(min(tuple(version), PDF_A3_VERSION))
