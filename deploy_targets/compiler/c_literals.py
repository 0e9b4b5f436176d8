"""Small helpers that write C++ text: identifiers, literals, arrays wrapped at 80 columns."""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np

LINE_WIDTH = 80
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# C++11 keywords and names the generated code or libc already use.
RESERVED_WORDS = frozenset("""
alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t
class compl const constexpr const_cast continue decltype default delete do double dynamic_cast
else enum explicit export extern false float for friend goto if inline int long mutable
namespace new noexcept not not_eq nullptr operator or or_eq private protected public register
reinterpret_cast return short signed sizeof static static_assert static_cast struct switch
template this thread_local throw true try typedef typeid typename union unsigned using virtual
void volatile wchar_t while xor xor_eq main mf arena inputs outputs
""".split())


def check_identifier(name: str) -> str:
    """Return `name` if it can name a C symbol, else raise ValueError saying why.

    >>> check_identifier("kws_model")
    'kws_model'
    >>> check_identifier("2model")
    Traceback (most recent call last):
    ...
    ValueError: '2model' is not a C identifier: use letters, digits and _, not starting with a digit
    >>> check_identifier("int")
    Traceback (most recent call last):
    ...
    ValueError: 'int' is a reserved word in C++; choose another name
    """
    if not _IDENTIFIER.match(name):
        raise ValueError(f"{name!r} is not a C identifier: use letters, digits and _, "
                         "not starting with a digit")
    if name in RESERVED_WORDS or name.startswith("__"):
        raise ValueError(f"{name!r} is a reserved word in C++; choose another name")
    return name


def to_identifier(text: str, prefix: str = "t") -> str:
    """A readable identifier made from arbitrary text (a TFLite tensor name).

    >>> to_identifier("functional_1/conv2d/Relu;bias")
    'functional_1_conv2d_Relu_bias'
    >>> to_identifier("0:input")
    't_0_input'
    """
    cleaned = re.sub(r"[^A-Za-z0-9_]+", "_", text).strip("_")
    cleaned = re.sub(r"_+", "_", cleaned)
    if not cleaned or not (cleaned[0].isalpha() or cleaned[0] == "_") or cleaned in RESERVED_WORDS:
        cleaned = f"{prefix}_{cleaned}"
    return cleaned


def int_literal(value: int) -> str:
    """An integer literal valid for int32, including INT32_MIN (which has no plain literal).

    >>> int_literal(-7), int_literal(-2147483648)
    ('-7', '(-2147483647 - 1)')
    """
    if value == -(1 << 31):
        return "(-2147483647 - 1)"
    return str(int(value))


def float_literal(value: float) -> str:
    """A C float literal that reads back as exactly this float32 value.

    >>> float_literal(0.00390625), float_literal(1.0)
    ('3.90625e-03f', '1.e+00f')
    """
    return np.format_float_scientific(np.float32(value), unique=True) + "f"


def double_literal(value: float) -> str:
    """A C double literal that reads back as exactly this double value.

    >>> double_literal(0.1)
    '0.1'
    """
    return repr(float(value))


def wrap_values(values: Iterable[str], indent: str = "    ", width: int = LINE_WIDTH) -> str:
    """Comma-separated values, as many per line as fit in `width` columns.

    >>> print(wrap_values([str(i) for i in range(30)], width=40))
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
        11, 12, 13, 14, 15, 16, 17, 18, 19,
        20, 21, 22, 23, 24, 25, 26, 27, 28,
        29
    """
    lines: list[str] = []
    line = indent
    for text in values:
        piece = text + ","
        if line != indent and len(line) + 1 + len(piece) > width:
            lines.append(line.rstrip())
            line = indent
        line += piece if line == indent else " " + piece
    lines.append(line)
    out = "\n".join(lines)
    return out[:-1] if out.endswith(",") else out


def array_definition(ctype: str, name: str, values: np.ndarray, comment: str,
                     qualifiers: str = "const") -> str:
    """A commented constant array, wrapped at 80 columns.

    >>> print(array_definition("int8_t", "w", np.array([1, -2, 3]), "weights [3]"))
    // weights [3]
    const int8_t w[3] = {
        1, -2, 3
    };
    """
    flat = np.asarray(values).reshape(-1)
    if ctype == "float":
        texts = [float_literal(float(v)) for v in flat]
    elif ctype == "double":
        texts = [double_literal(float(v)) for v in flat]
    else:
        texts = [int_literal(int(v)) for v in flat]
    declaration = f"{qualifiers} {ctype}" if qualifiers else ctype
    return (f"// {comment}\n{declaration} {name}[{max(len(texts), 1)}] = {{\n"
            f"{wrap_values(texts or ['0'])}\n}};")
