"""One module per `abstracts` subcommand. Each imports what it needs only when it runs, so
the command starts quickly; a stage's module is a dependency of that stage in dvc.yaml."""
