"""Metrics and guards for judging the composer (issue 8), generic over plain inputs.

- ``ngram`` — a Kneser–Ney n-gram baseline; its NLL per token is in nats, like the
  network's cross-entropy.
- ``features`` — per-bar and per-phrase features (Yang & Lerch 2018, MusPy).
- ``overlap`` — overlapping area of generated and real feature distributions.
- ``originality`` — longest run shared with the training tunes, the human baseline
  for it, and the ``CopyGuard`` the composer consults while sampling.
- ``stats`` — Spearman's ρ, NRMSE, accuracy; ``report`` — Markdown and PNG plots.

Nothing here imports torch or the composer's modules; the guard imports numpy only.
"""
