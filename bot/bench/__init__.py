"""python -m bot bench: speed and memory of the product against the plain baseline, in one run.

For generated corpora of N passages it prints, for the baseline (sentence-transformers on torch,
exact float32 search) and the product (the configured encoder and index type, by default the
int8 ONNX encoder and an index chosen by size):

- answer latency in process, p50 and p99 (normalize, embed, crisis check, search, format), the two
  stacks taking turns round by round so that a noisy machine slows both alike;
- full build throughput (passages per second), no-change refresh, one-article refresh;
- cold start to the first answer (a fresh ``python -m bot ask`` process, nothing rebuilt) and its
  resident memory, next to a process that only loads the model, plus the raw float32 vectors;
- recall@10 of the approximate index against exact search, and with ``--million`` the same on a
  million vectors synthesized from the real ones.

The generated corpus recombines the sentences of the articles in ``corpus/`` (every passage is
unique text, embedded by the real model). A stack embeds at most ``--embed-limit`` passages for
real; above that its index is given the other stack's vectors (said so in the output), since exact
search time does not depend on the vectors' values. Figures are this machine's, in this run.
"""

from .corpus import QUESTIONS, TAGS, generate_corpus
from .run import BenchOptions, run

__all__ = ["QUESTIONS", "TAGS", "BenchOptions", "generate_corpus", "run"]
