"""One module per flag family; each registers its check in :mod:`models.audit.registry` by versioned name.

- ``ncci``: ncci_ptp_conflict          - ``mue``: mue_exceeded             - ``addon``: addon_without_primary
- ``global_period``: global_period_conflict                          - ``modifier25``: missing_modifier_25
- ``em_level``: em_overcoded / em_undercoded                          - ``services``: missed_service
- ``diagnoses``: unsupported_diagnosis, unspecified_code              - ``hcc``: hcc_gap
- ``payer``: payer_rule (frequency limits, codes a payer does not accept)
"""
