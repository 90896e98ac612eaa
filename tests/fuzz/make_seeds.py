#!/usr/bin/python3
# make_seeds.py: regenerates the seed corpora of the libFuzzer targets in
# tests/fuzz/corpus/<target>/ from real inputs: NB201 strings of the
# benchmark table, the published DARTS genotypes, CIFAR records cut from the
# repository's test samples (tests/data), Imagenet16-style pickles written by Python + numpy (and the
# Python 2 cPickle forms of the original release) and serialized tenas.v1
# requests. Needs Debian's /usr/bin/python3 with numpy and protobuf, and
# protoc. Regression seeds (inputs that once crashed, regress_*) are kept.
#
# Usage: /usr/bin/python3 tests/fuzz/make_seeds.py

import os
import pickle
import shutil
import struct
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TEST_DATA = os.path.join(REPO, 'tests', 'data')
CORPUS = os.path.join(HERE, 'corpus')


def reset(target):
    """Empties a corpus folder except its regression seeds."""
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if not name.startswith('regress_'):
            os.remove(os.path.join(folder, name))
    return folder


def write(folder, name, data):
    if isinstance(data, str):
        data = data.encode('latin1')
    with open(os.path.join(folder, name), 'wb') as f:
        f.write(data)


# --- NB201 -----------------------------------------------------------------

def nb201_strings():
    with open(os.path.join(REPO, 'data', 'nb201_accuracy.csv')) as f:
        next(f)
        archs = [line.split(',')[0] for line in f]
    # A spread over the table (every op on every edge appears).
    return archs[::1563]


NB201_VALID = nb201_strings()
NB201_BAD = [
    '|conv_9x9~0|+|none~0|none~1|+|none~0|none~1|none~2|',
    '|none~0|+|none~1|none~1|+|none~0|none~1|none~2|',
    '|none~0|+|none~0|none~1|',
    '|none~0|+|none~0|+|none~0|none~1|none~2|',
    '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|junk',
    'nor_conv_3x3',
]


def nb201():
    folder = reset('fuzz_nb201_arch')
    for i, text in enumerate(NB201_VALID):
        write(folder, 'valid_%02d' % i, text)
    for i, text in enumerate(NB201_BAD):
        write(folder, 'bad_%02d' % i, text)


# --- DARTS -----------------------------------------------------------------

TENAS_CIFAR10 = (
    "Genotype(normal=[('dil_conv_3x3', 0), ('sep_conv_5x5', 1), "
    "('sep_conv_3x3', 0), ('sep_conv_3x3', 2), ('skip_connect', 0), "
    "('dil_conv_5x5', 1), ('sep_conv_3x3', 1), ('sep_conv_5x5', 3)], "
    "normal_concat=[2, 3, 4, 5], reduce=[('sep_conv_5x5', 0), "
    "('sep_conv_5x5', 1), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), "
    "('sep_conv_3x3', 1), ('sep_conv_3x3', 3), ('sep_conv_5x5', 2), "
    "('sep_conv_3x3', 4)], reduce_concat=[2, 3, 4, 5])")
TENAS_IMAGENET = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1), "
    "('dil_conv_5x5', 1), ('sep_conv_3x3', 2), ('sep_conv_3x3', 0), "
    "('dil_conv_5x5', 3), ('sep_conv_3x3', 0), ('dil_conv_3x3', 4)], "
    "normal_concat=[2, 3, 4, 5], reduce=[('dil_conv_3x3', 0), "
    "('sep_conv_5x5', 1), ('dil_conv_3x3', 0), ('sep_conv_3x3', 2), "
    "('sep_conv_3x3', 0), ('dil_conv_3x3', 1), ('sep_conv_3x3', 0), "
    "('sep_conv_5x5', 4)], reduce_concat=[2, 3, 4, 5])")
# DARTS_V2 of DARTS' genotypes.py, with range() concats as published there.
DARTS_V2 = (
    "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), "
    "('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), "
    "('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], "
    "normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), "
    "('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), "
    "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), "
    "('max_pool_3x3', 1)], reduce_concat=range(2, 6))")
DARTS_MULTILINE = '''  Genotype(
      normal = [
        ("dil_conv_3x3", 0), ('sep_conv_5x5', 1),
        ('sep_conv_3x3',0),('sep_conv_3x3',2),
        ('skip_connect', 0), ('dil_conv_5x5', 1),
        ( 'sep_conv_3x3' , 1 ) , ('sep_conv_5x5', 3),
      ],
      normal_concat = range(2, 6),
      reduce = [("avg_pool_3x3", 0), ('none', 1), ('sep_conv_5x5', 1),
                ('sep_conv_5x5', 2), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3),
                ('sep_conv_5x5', 2), ('sep_conv_3x3', 4)],
      reduce_concat = [4, 5,],
  )
'''
DARTS_BAD = [
    TENAS_CIFAR10.replace("'dil_conv_3x3', 0", "'conv_9x9', 0", 1),
    TENAS_CIFAR10.replace("('sep_conv_5x5', 3)", "('sep_conv_5x5', 7)", 1),
    TENAS_CIFAR10.replace('normal_concat=[2, 3, 4, 5]',
                          'normal_concat=range(5, 2)'),
    TENAS_CIFAR10[:-1],
]


def darts():
    folder = reset('fuzz_darts_genotype')
    for name, text in (('tenas_cifar10', TENAS_CIFAR10),
                       ('tenas_imagenet', TENAS_IMAGENET),
                       ('darts_v2', DARTS_V2),
                       ('multiline', DARTS_MULTILINE)):
        write(folder, name, text)
    for i, text in enumerate(DARTS_BAD):
        write(folder, 'bad_%02d' % i, text)


# --- CIFAR -----------------------------------------------------------------

def cifar():
    folder = reset('fuzz_cifar_records')
    with open(os.path.join(TEST_DATA, 'cifar10_test_sample.bin'),
              'rb') as f:
        c10 = f.read()
    with open(os.path.join(TEST_DATA, 'cifar100_sample.bin'), 'rb') as f:
        c100 = f.read()
    write(folder, 'cifar10_1', c10[:3073])
    write(folder, 'cifar10_3', c10[3073:4 * 3073])
    write(folder, 'cifar100_1', c100[:3074])
    write(folder, 'cifar100_2', c100[3074:3 * 3074])
    write(folder, 'cifar10_truncated', c10[:3073 + 100])


# --- Imagenet16 pickles ----------------------------------------------------

def pixels(rows, cols=768):
    r = np.arange(rows).reshape(-1, 1)
    c = np.arange(cols).reshape(1, -1)
    return ((r * 131 + c * 7 + (c >> 8) * 29) & 255).astype(np.uint8)


LABELS = [7, 300]  # one kept by ImageNet16-120, one dropped


def py2_protocol2(rows, cols, labels):
    """The bytes Python 2 cPickle writes for {'data', 'labels', 'mean'}
    (same construction as tests/unit/pickle_test.cc)."""
    def byte(v):
        return bytes([v])

    def le32(v):
        return struct.pack('<I', v & 0xFFFFFFFF)

    def binint(v):
        if 0 <= v < 256:
            return b'K' + byte(v)
        if 0 <= v < 65536:
            return b'M' + struct.pack('<H', v)
        return b'J' + le32(v)

    def binstring(s):
        if len(s) < 256:
            return b'U' + byte(len(s)) + s
        return b'T' + le32(len(s)) + s

    def put(k):
        return b'q' + byte(k)

    def get(k):
        return b'h' + byte(k)

    m1 = b'J' + le32(0xFFFFFFFF)
    p = b'\x80\x02}' + put(0) + b'('
    p += binstring(b'data') + put(1)
    p += b'cnumpy.core.multiarray\n_reconstruct\n' + put(2)
    p += b'cnumpy\nndarray\n' + put(3)
    p += binint(0) + b'\x85' + put(4)
    p += binstring(b'b') + put(5) + b'\x87' + put(6) + b'R' + put(7)
    p += b'(' + binint(1) + binint(rows) + binint(cols) + b'\x86' + put(8)
    p += b'cnumpy\ndtype\n' + put(9)
    p += (binstring(b'u1') + put(10) + binint(0) + binint(1) + b'\x87' +
          put(11) + b'R' + put(12))
    p += (b'(' + binint(3) + binstring(b'|') + put(13) + b'NNN' + m1 + m1 +
          binint(0) + b't' + put(14) + b'b')
    p += (b'\x89' + binstring(pixels(rows, cols).tobytes()) + put(15) + b't' +
          put(16) + b'b')
    p += binstring(b'labels') + put(17) + b']' + put(18)
    p += b'(' + b''.join(binint(v) for v in labels) + b'e'
    p += (binstring(b'mean') + put(19) + get(2) + get(3) + get(4) + get(5) +
          b'\x87' + put(20) + b'R' + put(21))
    p += b'(' + binint(1) + binint(3) + b'\x85' + put(22) + get(9)
    p += (binstring(b'f8') + put(23) + binint(0) + binint(1) + b'\x87' +
          put(24) + b'R' + put(25))
    p += (b'(' + binint(3) + binstring(b'<') + put(26) + b'NNN' + m1 + m1 +
          binint(0) + b't' + put(27) + b'b')
    mean = struct.pack('<3d', 0.5, 0.25, 0.125)
    p += b'\x89' + binstring(mean) + put(28) + b't' + put(29) + b'b'
    p += b'u.'
    return p


def imagenet16():
    folder = reset('fuzz_imagenet16_pickle')
    small = {'data': pixels(2), 'labels': LABELS}
    for proto in range(6):
        write(folder, 'small_p%d' % proto, pickle.dumps(small, protocol=proto))
    write(folder, 'arraylabels_p4',
          pickle.dumps({'data': pixels(2), 'labels': np.array(LABELS)},
                       protocol=4))
    write(folder, 'tuplelabels_p2',
          pickle.dumps({'data': pixels(2), 'labels': tuple(LABELS)},
                       protocol=2))
    write(folder, 'extras_p2',
          pickle.dumps({'data': pixels(1), 'labels': [1],
                        'mean': np.linspace(0, 1, 3),
                        'extra': [70000, 2**40, -5, 2**70, 1.5, None, True,
                                  'text', u'\u00e9', b'by\\tes\n', (1, 2),
                                  {'k': [1]}, ()]}, protocol=2))
    write(folder, 'narrow_p3',
          pickle.dumps({'data': pixels(2, 4), 'labels': LABELS}, protocol=3))
    write(folder, 'py2_p2', py2_protocol2(2, 768, LABELS))


# --- tenas.v1 requests -----------------------------------------------------

def requests():
    folder = reset('fuzz_request_validation')
    tmp = tempfile.mkdtemp()
    subprocess.check_call([
        'protoc', '--proto_path=' + os.path.join(REPO, 'proto'),
        '--python_out=' + tmp,
        os.path.join(REPO, 'proto', 'tenas', 'v1', 'scorer.proto')])
    sys.path.insert(0, tmp)
    from tenas.v1 import scorer_pb2 as v1  # pylint: disable=import-error

    def emit(name, selector, message):
        write(folder, name, bytes([selector]) + message.SerializeToString())

    def genotype_message(g):
        items = [('dil_conv_3x3', 0), ('sep_conv_5x5', 1),
                 ('sep_conv_3x3', 0), ('sep_conv_3x3', 2),
                 ('skip_connect', 0), ('dil_conv_5x5', 1),
                 ('sep_conv_3x3', 1), ('sep_conv_5x5', 3)]
        for op, j in items:
            g.normal.add(op=op, input=j)
            g.reduce.add(op=op, input=j)
        g.normal_concat.extend([2, 3, 4, 5])

    r = v1.ScoreArchitectureRequest(dataset='cifar10')
    r.architecture.nb201_arch = NB201_VALID[1]
    r.options.seed = 1
    r.options.repeats = 3
    r.options.batch_size = 64
    emit('score_nb201', 0, r)
    r = v1.ScoreArchitectureRequest(dataset='ImageNet16-120')
    r.architecture.darts_genotype_text = TENAS_IMAGENET
    r.options.measures = v1.MEASURES_NTK_ONLY
    r.options.init = v1.INIT_MODE_PAPER
    r.options.fp64 = True
    emit('score_darts_text', 0, r)
    r = v1.ScoreArchitectureRequest(dataset='cifar100')
    genotype_message(r.architecture.darts_genotype)
    r.options.measures = v1.MEASURES_LINEAR_REGIONS_ONLY
    emit('score_darts_message', 0, r)
    r = v1.ScoreArchitectureRequest(dataset='imagenet-1k')
    r.architecture.nb201_arch = NB201_BAD[0]
    emit('score_bad_arch', 0, r)

    r = v1.ScoreArchitecturesRequest(dataset='')
    r.architectures.add(nb201_arch=NB201_VALID[2])
    r.architectures.add(darts_genotype_text=DARTS_V2)
    genotype_message(r.architectures.add().darts_genotype)
    r.options.repeats = 2
    emit('score_many', 1, r)

    emit('search_nb201', 2, v1.RunSearchRequest(
        space=v1.SEARCH_SPACE_NB201, dataset='cifar10', seed=7, repeats=3,
        batch_size=72))
    emit('search_darts', 2, v1.RunSearchRequest(
        space=v1.SEARCH_SPACE_DARTS, dataset='ImageNet16-120', prune_number=2,
        init=v1.INIT_MODE_PAPER, fp64=True, fix_stale_origin=True))
    emit('search_bad_space', 2, v1.RunSearchRequest(repeats=50))
    shutil.rmtree(tmp)


if __name__ == '__main__':
    nb201()
    darts()
    cifar()
    imagenet16()
    requests()
    for target in sorted(os.listdir(CORPUS)):
        folder = os.path.join(CORPUS, target)
        files = os.listdir(folder)
        size = sum(os.path.getsize(os.path.join(folder, f)) for f in files)
        print('%-26s %3d seeds, %7d bytes' % (target, len(files), size))
