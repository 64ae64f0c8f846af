"""python -m micrograd: until the command line lands, print a worked graph."""

from . import Value


def main() -> None:
    x, w, b = Value(0.5, "x"), Value(-1.2, "w"), Value(0.3, "b")
    y = (x * w + b).tanh()
    y.backward()
    print(f"y = tanh(x*w + b) = {y.data:.10f}")
    for v in (x, w, b):
        print(f"dy/d{v.label} = {v.grad:.10f}")


if __name__ == "__main__":
    main()
