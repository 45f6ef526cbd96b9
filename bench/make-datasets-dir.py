#!/usr/bin/env python3
"""Writes a folder of large dataset shards of every family moat recognises (BENCHMARKS.md section 6):
Parquet, Arrow IPC file and stream, TFRecord, WebDataset tar, JSONL, CSV, a nanoGPT uint16 token dump,
an llm.c shard and an LMDB environment, 80-155 MB each. Usage: make-datasets-dir.py OUT_DIR
(needs the dataset libraries of scripts/fixtures/requirements.txt)."""
import sys
from pathlib import Path

out = Path(sys.argv[1] if len(sys.argv) > 1 else "datasets-dir")
out.mkdir(parents=True, exist_ok=True)
import os
os.chdir(out)
import io, json, numpy as np, pyarrow as pa, pyarrow.parquet as pq, lmdb, webdataset as wds
os.environ["TF_CPP_MIN_LOG_LEVEL"]="3"
rng=np.random.default_rng(1)
N=4_000_000
t=pa.table({"id":np.arange(N),"x":rng.random(N),"y":rng.integers(0,1000,N),"s":pa.array(np.char.mod("row %d", np.arange(N)))})
pq.write_table(t,"big.parquet", row_group_size=500_000)
with pa.ipc.new_stream("big.arrows", t.schema) as w:
    for b in t.to_batches(max_chunksize=100_000): w.write_batch(b)
with pa.ipc.new_file("big.arrow", t.schema) as w:
    for b in t.to_batches(max_chunksize=100_000): w.write_batch(b)
zipf=np.minimum(rng.zipf(1.2, 60_000_000), 50256).astype(np.uint16)
zipf.tofile("train.bin")
hdr=np.zeros(256,np.int32); hdr[:3]=[20240520,1,len(zipf)]
with open("fineweb_train_000001.bin","wb") as f: f.write(hdr.tobytes()); f.write(zipf.tobytes())
import tensorflow as tf
with tf.io.TFRecordWriter("big.tfrecord") as w:
    payload=os.urandom(100_000)
    for i in range(1500): w.write(payload)
with wds.TarWriter("big-shard.tar") as w:
    for i in range(10000): w.write({"__key__":f"{i:07d}","jpg":os.urandom(10000),"cls":i%10})
with open("big.jsonl","w") as f:
    for i in range(400_000): f.write(json.dumps({"messages":[{"role":"user","content":"hello %d"%i*5},{"role":"assistant","content":"answer "*20}]})+"\n")
with open("big.csv","w") as f:
    f.write("a,b,c,d\n")
    for i in range(3_000_000): f.write(f"{i},{i*3},{i%7},text{i}\n")
env=lmdb.open("lmdbdir", map_size=1<<31, lock=False)
with env.begin(write=True) as txn:
    for i in range(100_000): txn.put(b"%09d"%i, os.urandom(1000))
env.close()
