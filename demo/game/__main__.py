"""``python -m demo.game [--autoplay] [--seconds N] ...``: the same as ``moodscore demo``."""

import argparse
import logging
import sys

from demo import command

parser = argparse.ArgumentParser(prog="python -m demo.game", description="The moodscore dungeon demo.")
command.add_arguments(parser)
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
sys.exit(command.run(parser.parse_args()))
