"""python -m seqarena"""

from seqarena.cli import main

main()
