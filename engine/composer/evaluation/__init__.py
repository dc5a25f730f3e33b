"""Metrics and guards for judging the composer (issue 8), and ``moodscore eval`` that applies them.

- ``ngram`` — a Kneser–Ney n-gram baseline; its NLL per token is in nats, like the
  network's cross-entropy.
- ``features`` — per-bar and per-phrase features (Yang & Lerch 2018, MusPy).
- ``overlap`` — overlapping area of generated and real feature distributions.
- ``originality`` — longest run shared with the training tunes and the human
  baseline for it, on the hashing of the composer's copy guard (``composer/guard.py``).
- ``stats`` — Spearman's ρ, NRMSE, accuracy; ``report`` — Markdown and PNG plots.

The modules above are generic over plain inputs: they import neither torch nor the
composer (originality imports only the guard's hashing). Binding them to the composer, for
``moodscore eval``:

- ``splits`` — the token dataset's splits: tokens, training conditioning, decoded
  bars, melodies, duplicate tunes across splits;
- ``likelihood`` — the network's NLL batched in numpy, and its baselines;
- ``generation`` — phrases composed by the real ``Composer`` over a requested grid
  and matched to real test phrases;
- ``evaluate`` — every figure; ``eval_report`` — ``report.md``; ``cli`` — the command.
"""
