"""``python -m demo.game [--autoplay] [--seconds N] ...``: the same as ``moodscore demo``."""

import argparse
import logging
import sys

from engine import demo_cmd

parser = argparse.ArgumentParser(prog="python -m demo.game", description="The moodscore dungeon demo.")
demo_cmd.add_arguments(parser)
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
sys.exit(demo_cmd.run(parser.parse_args()))
