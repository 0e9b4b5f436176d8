"""Cycles of one inference on a Cortex-M4: QEMU's instruction stream priced per instruction class.

QEMU counts instructions, not cycles (`-icount shift=0` is one instruction per ns). A Cortex-M4
spends more than one cycle on loads, taken branches, multi-register transfers and divides, so
instructions are a lower bound. This module runs the firmware once more under QEMU with
`-d in_asm,exec,nochain`: `in_asm` prints the disassembly of every translation block (TB) when it
is translated, `exec` (with chaining off) prints one line per TB executed. Counting executions
per TB and pricing each TB's instructions gives the cycles; the TB that follows a branch says
whether it was taken. Only the TBs between entering `<name>_invoke` and the first return to the
harness's `main` are counted. (QEMU 7.2 as Debian ships it has no TCG plugins, so no libinsn /
libexeclog; the log is streamed through a FIFO and never written to disk.)

Cycle counts: Arm Cortex-M4 Technical Reference Manual r0p1 (ARM DDI 0439B), section 3.3.1,
Table 3-1 "Cortex-M4 instruction set summary", zero wait states:

- data processing, MOV/MOVW/MOVT, shifts, compare, extend, bit-field, saturate: 1
- MUL, MLA, MLS, SMULL/UMULL, SMLAL/UMLAL and every DSP-extension multiply (SMLAD, SMLABB,
  SMULBB, SMMUL, SMLALD, ...) and SIMD add/subtract: 1 (the M4's single-cycle MAC; an M3 needs 2-7)
- SDIV/UDIV: 2 to 12 depending on the operands; priced at the worst case, 12
- LDR/LDRB/LDRH/LDRSB/LDRSH/LDREX and STR* with a register offset: 2; STR* with an immediate
  offset: 1 (section 3.3.2: "STR Rx,[Ry,#imm] is always one cycle"); footnote: neighbouring
  single loads and stores pipeline, so a single load or store directly after another costs 1
- LDRD/STRD: 3; LDM/STM/PUSH/POP (and VLDM/VSTM/VPUSH/VPOP): 1 + N registers
- B, BL, BX, BLX, writes to PC: 1 + P; conditional B and CBZ/CBNZ: 1 when not taken, 1 + P
  taken; TBB/TBH: 2 + P; LDR/POP/LDM that load PC: their transfer cycles + P
- P, the pipeline refill, is "1 to 3 depending on the alignment and width of the target
  instruction, and whether the processor manages to speculate the address early": the estimate
  uses 2 and reports the range (P = 1 and P = 3) beside it
- section 3.3.2: a load or store whose address register was written by the instruction just
  before it stalls one cycle (no forwarding path to the address phase): added
- FPU (TRM Table 7-1): VLDR/VSTR 2, VMLA/VMLS/VFMA 3, VDIV/VSQRT 14, other VFP 1

Not modelled: flash wait states (the estimate is for a zero-wait-state memory system or one whose
accelerator hides them, like the STM32 ART or the nRF52840 cache), bus contention between
instruction fetch and data access, interrupt latency, data-dependent early division.

Known error. The model has not been checked against a cycle counter on silicon; `mcuforge
device-test` reads the board's counter beside this estimate, which is where its error will be
measured. What is known of it:
- The pipeline refill P (1 to 3) is the one range the TRM itself leaves open; its effect is
  reported with every count (`cycle_range`). On the MLPerf Tiny models it is about +/-3 %
  around P = 2 (KWS DS-CNN 7.42-7.80 M around 7.61 M; bench/compiler.py prints it).
- Too low: flash wait states and bus contention (above); a load whose address comes from the
  load just before it (the stall is added only after ALU and multiply results); neighbouring
  loads and stores are all credited with pipelining, which the TRM grants only when the second
  does not depend on the first.
- Too high: SDIV/UDIV priced at their worst case, 12 cycles (2 to 12 on the part).
- Exact: straight-line code and loops of single-cycle instructions, loads and branches; the
  estimator's spin-loop test pins 2 + P cycles an iteration to within 40 cycles in 4 M.
Other cores: core_cycles.py scales the count to the board's core with a documented factor.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

PIPELINE_REFILL_CYCLES = 2  # P in the TRM's table: 1 to 3
PIPELINE_REFILL_RANGE = (1, 3)
DIVIDE_CYCLES = 12  # SDIV/UDIV worst case (2 to 12)

# One instruction line of QEMU's in_asm log: "0x000026b0:  4684       mov      ip, r0"
_INSN = re.compile(r"^0x([0-9a-f]+):\s+((?:[0-9a-f]{4}\s)+)\s*(\S+)\s*(.*)$")
# One exec line: "Trace 0: 0x7faa94000100 [00800408/0000001c/00000110/ff000200] symbol"
_TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[([0-9a-f]+/([0-9a-f]+)/[0-9a-f]+)/[0-9a-f]+\]")

_CONDITIONS = (
    "eq",
    "ne",
    "cs",
    "hs",
    "cc",
    "lo",
    "mi",
    "pl",
    "vs",
    "vc",
    "hi",
    "ls",
    "ge",
    "lt",
    "gt",
    "le",
    "al",
)
_LOADS = (
    "ldr",
    "ldrb",
    "ldrh",
    "ldrsb",
    "ldrsh",
    "ldrex",
    "ldrexb",
    "ldrexh",
    "ldrt",
    "ldrbt",
    "ldrht",
    "ldrsbt",
    "ldrsht",
)
_STORES = ("str", "strb", "strh", "strex", "strexb", "strexh", "strt", "strbt", "strht")
_MULTIPLE = (
    "ldm",
    "ldmia",
    "ldmfd",
    "ldmdb",
    "ldmea",
    "stm",
    "stmia",
    "stmea",
    "stmdb",
    "stmfd",
    "push",
    "pop",
    "vldm",
    "vldmia",
    "vldmdb",
    "vstm",
    "vstmia",
    "vstmdb",
    "vpush",
    "vpop",
)
_DIVIDES = ("sdiv", "udiv")
_VFP_SLOW = {
    "vdiv": 14,
    "vsqrt": 14,
    "vmla": 3,
    "vmls": 3,
    "vnmla": 3,
    "vnmls": 3,
    "vfma": 3,
    "vfms": 3,
    "vfnma": 3,
    "vfnms": 3,
    "vldr": 2,
    "vstr": 2,
}
# Instructions that set flags or read registers but write none (or write only flags).
_NO_DESTINATION = (
    "cmp",
    "cmn",
    "tst",
    "teq",
    "it",
    "ite",
    "itt",
    "itte",
    "ittt",
    "itet",
    "itee",
    "iteee",
    "ittee",
    "itttt",
    "nop",
    "b",
    "bl",
    "bx",
    "blx",
    "cbz",
    "cbnz",
    "bkpt",
    "dsb",
    "dmb",
    "isb",
)
_REGISTER = re.compile(r"\b(r\d{1,2}|sb|sl|fp|ip|sp|lr|pc)\b")
_REGISTER_ALIASES = {
    "sb": "r9",
    "sl": "r10",
    "fp": "r11",
    "ip": "r12",
    "sp": "r13",
    "lr": "r14",
    "pc": "r15",
}

# The classes a breakdown is reported in.
CLASSES = ("alu", "multiply", "divide", "load", "store", "load/store multiple", "branch", "fpu")


@dataclass(frozen=True)
class Instruction:
    """One decoded instruction of a translation block, priced on its own."""

    address: int
    size_bytes: int
    mnemonic: str  # without condition code, width qualifier or the flag-setting "s"
    operands: str
    klass: str
    cycles: int  # without the pipeline refill of a taken branch
    refills: int  # pipeline refills it always costs (unconditional branch, load to PC)
    conditional_branch: bool  # costs a refill only when taken


@dataclass(frozen=True)
class Block:
    """A translation block: straight-line instructions ending at a branch or QEMU's limit."""

    pc: int
    instructions: tuple[Instruction, ...]
    cycles: int  # sum of the instructions' cycles, pipelining and address stalls included
    refills: int  # unconditional refills
    symbol: str

    @property
    def end(self) -> int:
        last = self.instructions[-1]
        return last.address + last.size_bytes


@dataclass
class CycleCount:
    """Cycles of one invoke with the breakdowns that explain them."""

    instructions: int = 0
    base_cycles: int = 0  # every cycle but the pipeline refills
    refills: int = 0  # taken branches and other PC writes
    by_class: Counter[str] = field(default_factory=Counter)  # class -> cycles (P refills incl.)
    instructions_by_class: Counter[str] = field(default_factory=Counter)
    by_symbol: Counter[str] = field(default_factory=Counter)  # function -> cycles
    instructions_by_symbol: Counter[str] = field(default_factory=Counter)

    def cycles(self, refill_cycles: int = PIPELINE_REFILL_CYCLES) -> int:
        """Total cycles with each pipeline refill costing `refill_cycles` (the TRM's P)."""
        return self.base_cycles + self.refills * refill_cycles

    @property
    def cycle_range(self) -> tuple[int, int]:
        low, high = PIPELINE_REFILL_RANGE
        return self.cycles(low), self.cycles(high)


_BRANCHES = ("b", "bl", "blx", "bx", "cbz", "cbnz", "tbb", "tbh")
_MULTIPLIES = ("mul", "mla", "mls", "smull", "umull", "smlal", "umlal")
_ALU = (
    "mov",
    "mvn",
    "add",
    "adc",
    "sub",
    "sbc",
    "rsb",
    "neg",
    "and",
    "orr",
    "orn",
    "eor",
    "bic",
    "lsl",
    "lsr",
    "asr",
    "ror",
    "rrx",
    "cmp",
    "cmn",
    "tst",
    "teq",
    "ssat",
    "usat",
)
_KNOWN = frozenset(
    (*_BRANCHES, *_LOADS, *_STORES, "ldrd", "strd", *_MULTIPLE, *_DIVIDES, *_MULTIPLIES, *_ALU)
)


def _split_mnemonic(raw: str) -> tuple[str, bool]:
    """The base mnemonic of `raw` ("ldr.w" -> "ldr", "bne" -> "b", "adds" -> "add") and whether
    it carried a condition code. Names it does not know come back whole (priced as ALU)."""
    name = raw.lower().split(".")[0]
    if name in _KNOWN:
        return name, False
    if name[-2:] in _CONDITIONS and name[:-2] in _KNOWN:
        return name[:-2], True
    if name.endswith("s") and name[:-1] in _KNOWN:
        return name[:-1], False
    return name, False


def _registers(text: str) -> list[str]:
    return [_REGISTER_ALIASES.get(r, r) for r in _REGISTER.findall(text)]


def _register_list_length(operands: str) -> int:
    inside = operands[operands.find("{") + 1 : operands.find("}")]
    count = 0
    for part in inside.split(","):
        part = part.strip()
        if "-" in part:
            first, last = part.split("-")
            count += int(re.sub(r"\D", "", last)) - int(re.sub(r"\D", "", first)) + 1
        elif part:
            count += 1
    return max(count, 1)


def price(address: int, size_bytes: int, raw_mnemonic: str, operands: str) -> Instruction:
    """One instruction priced by the Cortex-M4 TRM's Table 3-1 (see the module docstring)."""
    mnemonic, conditional = _split_mnemonic(raw_mnemonic)
    operands = operands.lower()
    writes_pc = bool(re.match(r"^(pc|r15)\b", operands))
    klass, cycles, refills, conditional_branch = "alu", 1, 0, False
    if mnemonic in ("b", "cbz", "cbnz"):
        klass = "branch"
        conditional_branch = conditional or mnemonic != "b"
        refills = 0 if conditional_branch else 1
    elif mnemonic in ("bl", "blx", "bx"):
        klass, refills = "branch", 1
    elif mnemonic in ("tbb", "tbh"):
        klass, cycles, refills = "branch", 2, 1
    elif mnemonic in _MULTIPLE:
        klass = "load/store multiple"
        cycles = 1 + _register_list_length(operands)
        if mnemonic.startswith(("ldm", "pop")) and re.search(r"\bpc\b", operands):
            refills = 1
    elif mnemonic in ("ldrd", "strd"):
        klass, cycles = ("load" if mnemonic == "ldrd" else "store"), 3
    elif mnemonic in _LOADS:
        klass, cycles = "load", 2
        refills = 1 if writes_pc else 0
    elif mnemonic in _STORES:
        klass = "store"
        # Register offset ("[r0, r1]") costs 2; immediate or none costs 1.
        address_part = operands[operands.find("[") :]
        cycles = 2 if len(_registers(address_part)) >= 2 else 1
    elif mnemonic in _DIVIDES:
        klass, cycles = "divide", DIVIDE_CYCLES
    elif mnemonic.startswith("v"):
        klass = "fpu"
        base = mnemonic.split(".")[0]
        cycles = _VFP_SLOW.get(base, 1)
    elif (
        "mul" in mnemonic
        or "mla" in mnemonic
        or mnemonic.startswith(("smla", "smls", "smua", "smus", "smmu", "smml", "umaal"))
    ):
        klass = "multiply"
    elif writes_pc and mnemonic not in _NO_DESTINATION:
        klass, refills = "branch", 1
    return Instruction(
        address, size_bytes, mnemonic, operands, klass, cycles, refills, conditional_branch
    )


def _destination(instruction: Instruction) -> str | None:
    if instruction.klass not in ("alu", "multiply") or instruction.mnemonic in _NO_DESTINATION:
        return None
    registers = _registers(instruction.operands)
    return registers[0] if registers else None


def _address_register(instruction: Instruction) -> str | None:
    if instruction.klass not in ("load", "store"):
        return None
    bracket = instruction.operands.find("[")
    registers = _registers(instruction.operands[bracket:]) if bracket >= 0 else []
    return registers[0] if registers else None


def make_block(pc: int, instructions: list[Instruction], symbol: str) -> Block:
    """A TB priced as a sequence: neighbouring single loads/stores pipeline, and an address
    computed by the instruction just before a load or store stalls one cycle."""
    cycles = 0
    refills = 0
    previous: Instruction | None = None
    for instruction in instructions:
        cost = instruction.cycles
        single = instruction.klass in ("load", "store") and instruction.mnemonic not in (
            "ldrd",
            "strd",
        )
        if (
            single
            and previous is not None
            and previous.klass in ("load", "store")
            and previous.mnemonic not in ("ldrd", "strd")
        ):
            cost = 1
        if single and previous is not None:
            written = _destination(previous)
            if written is not None and written == _address_register(instruction):
                cost += 1
        cycles += cost
        refills += instruction.refills
        previous = instruction
    return Block(pc, tuple(instructions), cycles, refills, symbol)


def parse_instruction_line(line: str) -> Instruction | None:
    """An in_asm line priced, or None when it is not an instruction line."""
    match = _INSN.match(line)
    if match is None:
        return None
    size_bytes = 2 * len(match[2].split())
    return price(int(match[1], 16), size_bytes, match[3], match[4])


def count_cycles(
    log_lines: Iterable[str], start_pc: int, stop_range: tuple[int, int]
) -> CycleCount:
    """Cycles of the TBs executed from the first TB at `start_pc` until the first TB inside
    `stop_range` [low, high) after it, from QEMU `-d in_asm,exec,nochain` log lines."""
    blocks: dict[str, Block] = {}
    pending: list[Instruction] = []
    pending_symbol = ""
    # The TB that just ran: its conditional branch is taken when the next TB is not its end.
    previous: Block | None = None
    counting = False
    count = CycleCount()
    executions: Counter[str] = Counter()
    taken: Counter[str] = Counter()
    previous_key = ""
    returned = False
    for line in log_lines:
        if line.startswith("Trace"):
            match = _TRACE.match(line)
            if match is None:
                continue
            # A TB is its pc with the CPU state it was translated for (Thumb IT bits and such).
            key = match[1]
            pc = int(match[2], 16)
            if pending:
                if pending[0].address == pc:
                    blocks[key] = make_block(pc, pending, pending_symbol)
                pending = []
            if not counting:
                if pc != start_pc:
                    continue
                counting = True
            elif stop_range[0] <= pc < stop_range[1]:
                if previous is not None and pc != previous.end:
                    taken[previous_key] += 1
                returned = True
                break
            if previous is not None and pc != previous.end:
                taken[previous_key] += 1
            executions[key] += 1
            previous = blocks.get(key)
            previous_key = key
        elif line.startswith("IN:"):
            pending = []
            pending_symbol = line[3:].strip() or "?"
        else:
            instruction = parse_instruction_line(line)
            if instruction is not None:
                pending.append(instruction)
    if not counting:
        raise ValueError(f"no translation block at 0x{start_pc:x} ran; is it the invoke entry?")
    if not returned:
        # A timeout kills QEMU mid-run; counting what was logged would understate the cycles.
        raise ValueError("QEMU's log ended before invoke returned to main (timeout or fault)")
    for key, runs in executions.items():
        block = blocks.get(key)
        if block is None:
            raise ValueError(f"QEMU's log has no disassembly for the TB [{key}]")
        branch_taken = taken[key] if block.instructions[-1].conditional_branch else 0
        refills = runs * block.refills + branch_taken
        count.instructions += runs * len(block.instructions)
        count.base_cycles += runs * block.cycles
        count.refills += refills
        symbol_cycles = runs * block.cycles + refills * PIPELINE_REFILL_CYCLES
        count.by_symbol[block.symbol] += symbol_cycles
        count.instructions_by_symbol[block.symbol] += runs * len(block.instructions)
        for instruction in block.instructions:
            count.instructions_by_class[instruction.klass] += runs
        # Class cycles: each instruction at its table price (pipelining credited to the block
        # total, so the classes are apportioned to add up to it).
        table = Counter({k: 0 for k in CLASSES})
        for instruction in block.instructions:
            table[instruction.klass] += instruction.cycles
        scale = block.cycles / max(sum(table.values()), 1)
        for klass, cycles in table.items():
            count.by_class[klass] += round(runs * cycles * scale)
        count.by_class["branch"] += refills * PIPELINE_REFILL_CYCLES
    return count


def symbol_table(nm: str, elf: Path) -> dict[str, tuple[int, int]]:
    """name -> (address, address + size) of the ELF's sized function symbols, Thumb bit cleared."""
    output = subprocess.run(
        [nm, "-S", "--defined-only", str(elf)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    symbols = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            start = int(parts[0], 16) & ~1
            symbols[parts[3]] = (start, start + int(parts[1], 16))
    return symbols


def _stream_log(command: list[str], timeout_s: float) -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="mf-cycles-") as tmp:
        fifo = Path(tmp) / "qemu.log"
        os.mkfifo(fifo)
        process = subprocess.Popen(
            [*command, "-d", "in_asm,exec,nochain", "-D", str(fifo)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        timer = threading.Timer(timeout_s, process.kill)
        timer.start()
        try:
            with open(fifo, errors="replace") as log:
                yield from log
        finally:
            timer.cancel()
            if process.poll() is None:
                process.kill()
            process.wait()


def measure_cycles(
    qemu_command: list[str], elf: Path, nm: str, invoke_symbol: str, timeout_s: float = 600.0
) -> CycleCount:
    """Run `qemu_command` (which boots `elf`) with the TB log on and count `invoke_symbol`'s
    cycles: from its entry until control is back in `main`."""
    symbols = symbol_table(nm, elf)
    if invoke_symbol not in symbols or "main" not in symbols:
        raise ValueError(f"{elf.name} has no {invoke_symbol} or main symbol to bound the count")
    command = [part for part in qemu_command if part not in ("-icount", "shift=0")]
    return count_cycles(_stream_log(command, timeout_s), symbols[invoke_symbol][0], symbols["main"])
