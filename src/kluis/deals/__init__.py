"""The sales pipeline: pipelines with ordered stages, deals moving through them, the people on a
deal (linked under the deal's purpose), the board, the list and the forecast."""
