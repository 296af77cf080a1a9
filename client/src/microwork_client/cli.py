def main() -> int:
    raise SystemExit("mw: not ready yet")
