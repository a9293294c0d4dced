"""Generates the expected ids and pre-tokenizer splits for handmade.inp from independent reference
implementations: Google's sentencepiece (for the Llama SPM vocabulary), Hugging Face tokenizers (byte-level BPE)
and Python's `regex` module (pre-tokenizer splits). Not run by the build; rerun by hand after changing
handmade.inp:

    pip install gguf sentencepiece protobuf tokenizers regex
    python generate_expected.py
"""
import gguf
import regex
from sentencepiece import SentencePieceProcessor
from sentencepiece import sentencepiece_model_pb2 as sp_pb2
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers

VOCAB = "../vocab/ggml-vocab-{}.gguf"
SEP = "\n__ggml_vocab_test__\n"

cases = open("handmade.inp", encoding="utf-8", newline="").read().split(SEP)[:-1]


def field(reader, key):
    f = reader.fields[key]
    if len(f.types) > 1:  # array
        return [f.contents(i) for i in range(len(f.data))]
    return f.contents()


def write_out(name, rows):
    with open(f"handmade-{name}.out", "w", encoding="utf-8", newline="") as out:
        for ids in rows:
            out.write("".join(f" {i}" for i in ids) + "\n")


# --- SentencePiece: rebuild Llama 2's tokenizer.model from the GGUF vocabulary
r = gguf.GGUFReader(VOCAB.format("llama-spm"))
tokens, scores, types = (field(r, "tokenizer.ggml." + k) for k in ("tokens", "scores", "token_type"))
proto = sp_pb2.ModelProto()
proto.trainer_spec.model_type = sp_pb2.TrainerSpec.BPE
proto.trainer_spec.byte_fallback = True
proto.trainer_spec.unk_id, proto.trainer_spec.bos_id, proto.trainer_spec.eos_id = 0, 1, 2
proto.trainer_spec.pad_id = -1
proto.normalizer_spec.name = "identity"
proto.normalizer_spec.add_dummy_prefix = True
proto.normalizer_spec.remove_extra_whitespaces = False
proto.normalizer_spec.escape_whitespaces = True
for t, s, ty in zip(tokens, scores, types):
    p = proto.pieces.add()
    p.piece, p.score, p.type = t, s, ty
sp = SentencePieceProcessor(model_proto=proto.SerializeToString())
write_out("llama-spm", [sp.encode(c) if c else [] for c in cases])

# --- Hugging Face byte-level BPE over GPT-2's vocabulary with several pre-tokenizers
GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)"
LLAMA3 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"
QWEN2 = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"


def byte_level(vocab_name, pre, ignore_merges=False):
    r = gguf.GGUFReader(VOCAB.format(vocab_name))
    toks = field(r, "tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in field(r, "tokenizer.ggml.merges")]
    vocab = {t: i for i, t in enumerate(toks)}
    tok = Tokenizer(models.BPE(vocab, merges, ignore_merges=ignore_merges))
    tok.pre_tokenizer = pre
    tok.decoder = decoders.ByteLevel()
    return tok


def split_then_bytes(pattern):
    return pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(pattern), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])


configs = {
    "gpt-2": byte_level("gpt-2", pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)),
    "starcoder": byte_level("starcoder", pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)])),
    # GPT-2's merges under other models' pre-tokenizers: checks the splits and Llama 3's ignore_merges.
    "gpt-2+llama-bpe": byte_level("gpt-2", split_then_bytes(LLAMA3), ignore_merges=True),
    "gpt-2+qwen2": byte_level("gpt-2", split_then_bytes(QWEN2)),
}
for name, tok in configs.items():
    write_out(name, [tok.encode(c, add_special_tokens=False).ids for c in cases])

# --- Pre-tokenizer splits (llama.cpp's expression lists; each applies to every piece of the previous one)
LISTS = {
    "default": [r"[\p{P}\$\+<=>\^~\|]+", GPT2, r"\p{N}+", r"[0-9][0-9][0-9]"],
    "gpt-2": [GPT2],
    "llama-bpe": [LLAMA3],
    "qwen2": [QWEN2],
    "starcoder": [r"\p{N}", GPT2],
    "falcon": [r"[\p{P}\$\+<=>\^~\|`]+", GPT2, r"[0-9][0-9][0-9]"],
    "deepseek-llm": ["[\r\n]",
                     "\\s?[A-Za-z\U000000B5\U000000C0-\U000000D6\U000000D8-\U000000F6\U000000F8-\U000001BA\U000001BC-\U000001BF\U000001C4-\U00000293\U00000295-\U000002AF\U00000370-\U00000373\U00000376\U00000377\U0000037B-\U0000037D\U0000037F\U00000386\U00000388-\U0000038A\U0000038C\U0000038E-\U000003A1\U000003A3-\U000003F5\U000003F7-\U00000481\U0000048A-\U0000052F\U00000531-\U00000556\U000010A0-\U000010C5\U000013A0-\U000013F5\U000013F8-\U000013FD\U00001C90-\U00001CBA\U00001CBD-\U00001CBF\U00001D00-\U00001D2B\U00001D6B-\U00001D77\U00001D79-\U00001D9A\U00001E00-\U00001F15\U00001F18-\U00001F1D\U00001F20-\U00001F45\U00001F48-\U00001F4D\U00001F50-\U00001F57\U00001F59\U00001F5B\U00001F5D\U00001F5F-\U00001F7D\U00001F80-\U00001FB4\U00001FB6-\U00001FBC\U00001FBE\U00001FC2-\U00001FC4\U00001FC6-\U00001FCC\U00001FD0-\U00001FD3\U00001FD6-\U00001FDB\U00001FE0-\U00001FEC\U00001FF2-\U00001FF4\U00001FF6-\U00001FFC\U00002102\U00002107\U0000210A-\U00002113\U00002115\U00002119-\U0000211D\U00002124\U00002126\U00002128\U0000212A-\U0000212D\U0000212F-\U00002134\U00002139\U0000213C-\U0000213F\U00002145-\U00002149\U0000214E\U00002183\U00002184\U00002C00-\U00002C7B\U00002C7E-\U00002CE4\U00002CEB-\U00002CEE\U00002CF2\U00002CF3\U0000A640-\U0000A66D\U0000A680-\U0000A69B\U0000A722-\U0000A76F\U0000A771-\U0000A787\U0000A78B-\U0000A78E\U0000AB70-\U0000ABBF\U0000FB00-\U0000FB06\U0000FB13-\U0000FB17\U0000FF21-\U0000FF3A\U0000FF41-\U0000FF5A\U00010400-\U0001044F\U000104B0-\U000104D3\U000104D8-\U000104FB\U00010C80-\U00010CB2\U00010CC0-\U00010CF2\U000118A0-\U000118DF\U0001E900-\U0001E943]+",
                     r"\s?[!-/:-~！-／：-～‘-‟　-。]+", r"\s+\Z", r"[一-龥ࠀ-一가-퟿]+", r"\p{N}+"],
    "deepseek-coder": ["[\r\n]", r"\s?\p{L}+", r"\s?\p{P}+", r"[一-龥ࠀ-一가-퟿]+", r"\p{N}"],
}


def split(text, patterns):
    pieces = [text] if text else []
    for p in patterns:
        rx = regex.compile(p)
        nxt = []
        for piece in pieces:
            pos = 0
            for m in rx.finditer(piece):
                if m.end() == m.start():
                    continue
                if m.start() > pos:
                    nxt.append(piece[pos:m.start()])
                nxt.append(m.group())
                pos = m.end()
            if pos < len(piece):
                nxt.append(piece[pos:])
        pieces = nxt
    return pieces


def utf16_len(s):
    return len(s.encode("utf-16-le")) // 2


with open("pretokenizer-splits.txt", "w", encoding="utf-8", newline="") as out:
    out.write("# pre-tokenizer, case index in handmade.inp, lengths of the pieces in UTF-16 code units\n")
    for name, patterns in LISTS.items():
        for i, c in enumerate(cases):
            out.write(f"{name}\t{i}\t{','.join(str(utf16_len(p)) for p in split(c, patterns))}\n")
