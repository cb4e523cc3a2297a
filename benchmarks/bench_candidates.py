"""Speed candidates for the reference LRTF network, measured one at a time in a plain loop.

Each candidate changes one thing against the baseline (float32, batch 40,
2 threads, the encoder's pool-then-ReLU order) and runs in its own process;
the processes run interleaved and the table reports the median wall time
per sample of a training pass and of a prediction pass on random inputs.
``compile`` also reports the time of its first step, which includes
compiling. Run from the repository root::

    python benchmarks/bench_candidates.py --repeats 3
"""

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import machine_summary, median, print_json, run_worker  # noqa: E402

CANDIDATES = {
    "baseline": {},
    "relu-then-pool": {"relu_first": True},
    "channels_last": {"channels_last": True},
    "bfloat16": {"bfloat16": True},
    "bfloat16+channels_last": {"bfloat16": True, "channels_last": True},
    "batch 128": {"batch_size": 128},
    "1 thread": {"threads": 1},
    "2 threads": {"threads": 2},
    "no_grad prediction": {"no_grad": True},
    "prediction batch 500": {"predict_batch_size": 500},
    "compile": {"compile": True},
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="processes per candidate")
    parser.add_argument("--n-samples", type=int, default=1280,
                        help="samples per timed pass; a multiple of 128 (default: 1280)")
    parser.add_argument("--candidates", nargs="+", default=list(CANDIDATES),
                        choices=list(CANDIDATES))
    parser.add_argument("--threads", type=int, default=2,
                        help="torch threads of the baseline and of every other candidate (default: 2)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def worker(options, n_samples):
    import torch
    from torch import nn

    from _floor import build_network

    torch.set_num_threads(options.get("threads", 2))
    batch_size = options.get("batch_size", 40)
    network = build_network("lrtf")
    if options.get("relu_first"):
        for encoder in network.encoders:
            layers = list(encoder.layers)
            for start in range(0, len(layers) - 1, 4):
                layers[start + 2], layers[start + 3] = layers[start + 3], layers[start + 2]
            encoder.layers = nn.Sequential(*layers)
    memory_format = torch.contiguous_format
    if options.get("channels_last"):
        memory_format = torch.channels_last
        network = network.to(memory_format=memory_format)
    model = torch.compile(network) if options.get("compile") else network
    optimizer = torch.optim.SGD(network.parameters(), lr=0.05, weight_decay=2e-4)

    generator = torch.Generator().manual_seed(0)
    images = torch.rand(n_samples, 1, 28, 28, generator=generator)
    audio = torch.rand(n_samples, 1, 112, 112, generator=generator)
    targets = torch.randint(0, 10, (n_samples,), generator=generator)
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=bool(options.get("bfloat16")))

    def inputs(start, size):
        return [x[start:start + size].contiguous(memory_format=memory_format)
                for x in (images, audio)]

    def train_pass(n_batches):
        network.train()
        for batch in range(n_batches):
            start = batch * batch_size
            optimizer.zero_grad()
            with autocast:
                logits = model(*inputs(start, batch_size))
            nn.functional.cross_entropy(logits.float(), targets[start:start + batch_size]).backward()
            optimizer.step()

    def predict_pass():
        network.eval()
        size = options.get("predict_batch_size", 40)
        context = torch.no_grad() if options.get("no_grad") else torch.inference_mode()
        with context, autocast:
            for start in range(0, n_samples, size):
                model(*inputs(start, size))

    start = time.perf_counter()
    train_pass(1)
    first_step_seconds = time.perf_counter() - start
    train_pass(2)
    predict_pass()
    start = time.perf_counter()
    train_pass(n_samples // batch_size)
    train_ms = 1e3 * (time.perf_counter() - start) / n_samples
    start = time.perf_counter()
    predict_pass()
    predict_ms = 1e3 * (time.perf_counter() - start) / n_samples
    return dict(train_ms=train_ms, predict_ms=predict_ms, first_step_seconds=first_step_seconds)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        print_json(worker(json.loads(args.worker), args.n_samples))
        return 0

    print(f"machine: {machine_summary()}")
    results = {name: [] for name in args.candidates}
    for repeat in range(args.repeats):
        for name in args.candidates:
            options = dict({"threads": args.threads}, **CANDIDATES[name])
            command = [sys.executable, str(Path(__file__).resolve()), "--worker",
                       json.dumps(options), "--n-samples", str(args.n_samples)]
            result = run_worker(command, timeout=1200)
            if "error" in result:
                print(f"  {name}: {result['error']}", flush=True)
                continue
            results[name].append(result)
            print(f"  repeat {repeat} {name}: train {result['train_ms']:.2f} ms/sample, "
                  f"predict {result['predict_ms']:.3f} ms/sample, first step "
                  f"{result['first_step_seconds']:.1f} s", flush=True)

    base_train = median([r["train_ms"] for r in results.get("baseline", [])])
    base_predict = median([r["predict_ms"] for r in results.get("baseline", [])])
    print()
    print("| candidate | train ms/sample | vs baseline | predict ms/sample | vs baseline "
          "| first step s |")
    print("|---|---|---|---|---|---|")
    for name, runs in results.items():
        if not runs:
            print(f"| {name} | failed | | | | |")
            continue
        train = median([r["train_ms"] for r in runs])
        predict = median([r["predict_ms"] for r in runs])
        first = median([r["first_step_seconds"] for r in runs])
        print(f"| {name} | {train:.2f} | {train / base_train:.2f} | {predict:.3f} "
              f"| {predict / base_predict:.2f} | {first:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
