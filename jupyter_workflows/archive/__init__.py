"""Provenance that travels: AiiDA archives (``.aiida``, aiida-core 2.x's format) out of and into the store.

``export(*nodes, path="results.aiida")`` writes nodes with their whole provenance to an archive that
``verdi archive import`` takes; ``import_archive("some.aiida")`` reads one (written by aiida-core or by ``export``)
into the store, adding only the nodes it does not hold yet. No aiida-core is needed: the format (a zip with
``metadata.json``, an SQLite database and the files of nodes) is written and read here.
"""

from ._export import ExportSummary as ExportSummary, export as export
from ._import import ImportSummary as ImportSummary, import_archive as import_archive

__all__ = ["ExportSummary", "ImportSummary", "export", "import_archive"]
