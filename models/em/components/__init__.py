"""E/M pipeline components: each adds one kind of mention to a :class:`~models.clinical.ClinicalDocument`.

``visit`` (visit type and setting cues), ``time`` (documented total time), ``problems`` (problems addressed and their
status), ``data`` (data reviewed and analysed) and ``risk`` (risk of patient management). They are registered by
versioned name in :mod:`models.em.pipeline`.
"""
