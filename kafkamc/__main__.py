from kafkamc.cli import run

run()
