#!/usr/bin/env python3
"""Deterministic dictionary + listing corpus for the screening benchmark.

Writes into data/ (gitignored):
  dictionary.txt  one term per line (UTF-8): every bundled catalogue term, variant and allow-phrase,
                  Chinese words from jieba's dict.txt, English words from wordfreq and brand-like tokens.
  corpus.txt      one product listing per line (title | description), mixed zh/en, ~50/50 by UTF-8 bytes,
                  with a small rate of catalogue terms embedded (some obfuscated: spaced, dotted, full-width,
                  digit swaps, zero-width characters, traditional characters).
  manifest.json   seed, sizes, sources and SHA-256 of both files (to check reproducibility).

Everything is drawn from random.Random(SEED) over inputs in a fixed order, so the same package versions
(jieba 0.42.1, wordfreq 3.1.1, pinned in run.sh) and the same Python give byte-identical files.

Usage: gen_corpus.py [--mb 200] [--terms 50000] [--out data] [--seed 20240611]
"""
import argparse
import csv
import glob
import hashlib
import json
import os
import random
import re
import sys
import time
from itertools import accumulate

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
CATALOGUE = os.path.join(REPO, "Sources", "Compliance", "Resources", "catalogue")
HANT_HANS = os.path.join(REPO, "Sources", "Compliance", "Resources", "hant-hans.txt")

HAN = re.compile(r"^[\u4e00-\u9fff]+$")
ALPHA = re.compile(r"^[a-z]+$")

# Listing vocabulary that a marketplace title actually uses (wordfreq supplies the long tail).
EN_PRODUCTS = """
case cover charger cable adapter earbuds headphones speaker watch band strap phone stand holder mount lamp light bulb
shirt dress jacket hoodie sweater pants jeans shorts skirt leggings socks shoes sneakers boots sandals slippers hat cap
bag backpack wallet purse belt scarf gloves sunglasses necklace bracelet earrings ring pendant keychain mug cup bottle
tumbler kettle pan pot knife spatula blender toaster towel blanket pillow sheet curtain rug mat organizer shelf basket
toy puzzle doll figure blocks drone camera tripod keyboard mouse monitor laptop tablet stylus router battery flashlight
tent chair table desk brush comb mirror cream serum lotion shampoo perfume lipstick mascara vitamins supplement collar
leash harness feeder fountain tool drill screwdriver wrench tape glue paint marker notebook pen pencil sticker frame
""".split()
EN_ADJ = """
new premium portable wireless waterproof lightweight durable adjustable foldable rechargeable magnetic stainless
vintage classic modern cute soft warm cool large small mini slim heavy duty ergonomic compact smart fast quick
universal cotton leather silicone wooden bamboo ceramic glass metal aluminum plastic black white red blue green pink
grey beige navy gold silver rose purple yellow orange brown clear matte glossy breathable non-slip anti-fog
""".split()
EN_FOR = ["for men", "for women", "for kids", "for home", "for office", "for travel", "for outdoor", "for car",
          "for iphone 15", "for samsung galaxy", "for ipad", "for pets", "for kitchen", "for gym", "for camping"]
EN_SIZES = ["S", "M", "L", "XL", "XXL", "2-Pack", "3-Pack", "5-Pack", "10 pcs", "12oz", "20oz", "500ml", "1L",
            "16GB", "64GB", "128GB", "10000mAh", "20W", "65W", "USB-C", "Type-C", "5V/2A", "1.5m", "6ft", "A4"]
ZH_OPENERS = ["2024新款", "2025新款", "爆款", "热卖", "正品", "官方旗舰店", "厂家直销", "包邮", "现货速发", "限时特价",
              "跨境专供", "亚马逊爆款", "外贸原单", "ins风", "网红同款", "【官方正品】", "【包邮】", "【现货】"]
ZH_PUNCT = ["，", "，", "，", "。", "！", "、", " ", "；"]
EMOJI = ["🔥", "✨", "💯", "🎁", "⭐", "👍", "❤️", "🆕"]


def catalogue_surfaces():
    """Every term and variant of the bundled market catalogues, plus the allow-phrases, in file order."""
    out = []
    for path in sorted(glob.glob(os.path.join(CATALOGUE, "*.csv"))):
        with open(path, encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        for row in rows:
            if "phrase" in row:  # allow-phrases.csv
                out.append(row["phrase"].strip())
                continue
            out.append(row["term"].strip())
            out.extend(v.strip() for v in (row.get("variants") or "").split("|"))
    return [s for s in dict.fromkeys(out) if s]


def jieba_words():
    import jieba
    path = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and HAN.match(parts[0]):
                rows.append((parts[0], int(parts[1]), parts[2]))
    return path, rows


def english_words(n):
    import wordfreq
    words = wordfreq.top_n_list("en", n, wordlist="best")
    return [(w, wordfreq.word_frequency(w, "en", wordlist="best")) for w in words if ALPHA.match(w)]


def brand_tokens(rng, n):
    """Brand-like invented tokens (kolvaro, zentrix, velmo-x200) — what counterfeit lists are full of."""
    onsets = ["b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "br", "cr", "dr", "gl", "kr",
              "pl", "qu", "st", "tr", "x", "zh", "sh", "ch"]
    vowels = ["a", "e", "i", "o", "u", "ai", "ei", "ou", "y"]
    codas = ["", "", "", "n", "r", "x", "s", "l", "k", "m"]
    suffixes = ["", "", "", "", "", " pro", " max", " plus", " x", "-x", " air", " lite", " ultra", " mini"]
    seen, out = set(), []
    while len(out) < n:
        name = "".join(rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas) for _ in range(rng.randint(2, 3)))
        if rng.random() < 0.15:
            name += str(rng.choice([1, 2, 3, 5, 7, 9, 10, 11, 12, 15, 20, 100, 200, 300, 500, 700, 900]))
        name += rng.choice(suffixes)
        if name not in seen:
            seen.add(name)
            out.append(name)
    return out


def obfuscate(rng, term, to_trad):
    """One of the evasions listings use; the normaliser is meant to see through all of them."""
    r = rng.random()
    ascii_term = all(ord(c) < 128 for c in term)
    if ascii_term:
        if r < 0.25:
            return term.title()
        if r < 0.35:
            return term.upper()
        if r < 0.45:
            return " ".join(term)                                   # n i k e
        if r < 0.55:
            return ".".join(term.upper())                           # N.I.K.E
        if r < 0.65:
            return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in term)   # full-width
        if r < 0.75:
            return term.replace("o", "0").replace("e", "3").replace("i", "1")
        if r < 0.80 and len(term) > 2:
            k = rng.randint(1, len(term) - 1)
            return term[:k] + "\u200b" + term[k:]                   # zero-width space
        return term
    if r < 0.30:
        return "".join(to_trad.get(c, c) for c in term)
    if r < 0.40 and len(term) > 1:
        k = rng.randint(1, len(term) - 1)
        return term[:k] + rng.choice(["\u200b", " ", "·", "*"]) + term[k:]
    return term


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=200.0, help="corpus size in MiB (UTF-8 bytes)")
    ap.add_argument("--terms", type=int, default=50000, help="minimum dictionary size")
    ap.add_argument("--seed", type=int, default=20240611)
    ap.add_argument("--embed-rate", type=float, default=0.02, help="share of listings with a catalogue term embedded")
    ap.add_argument("--out", default=os.path.join(HERE, "data"))
    args = ap.parse_args()
    t0 = time.time()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)

    # ---- sources --------------------------------------------------------------------------------------------
    catalogue = catalogue_surfaces()
    jieba_path, zh_rows = jieba_words()
    en_rows = english_words(60000)
    to_trad = {}
    with open(HANT_HANS, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                continue
            s = line.rstrip("\n")
            if len(s) == 2 and s[1] not in to_trad:
                to_trad[s[1]] = s[0]

    # ---- dictionary -----------------------------------------------------------------------------------------
    # Chinese: nouns, proper nouns, place/organisation names and idioms of 2-6 characters, drawn uniformly from
    # jieba's entries seen at least 3 times (so the characters follow real usage, and the dictionary is not
    # just the most frequent words). English: wordfreq words of ≥ 4 letters outside the 300 most frequent,
    # drawn uniformly; plus invented brand-like tokens.
    zh_pool = [w for (w, f, t) in zh_rows if f >= 3 and 2 <= len(w) <= 6 and t in ("n", "nz", "nr", "ns", "nt", "vn", "l", "i", "nrt")]
    zh_pool = list(dict.fromkeys(zh_pool))
    en_pool = [w for (w, f) in en_rows[300:] if len(w) >= 4]
    n_zh, n_en, n_brand = 26000, 16000, 8000
    dictionary = list(catalogue)
    n_catalogue = len(dictionary)
    dictionary += rng.sample(zh_pool, n_zh)
    dictionary += rng.sample(en_pool, n_en)
    brands = brand_tokens(rng, n_brand)
    dictionary += brands
    dictionary = list(dict.fromkeys(dictionary))
    n_unique = len(dictionary)
    # Top up with more jieba words if de-duplication left us short of the target.
    have = set(dictionary)
    extra = [w for w in zh_pool if w not in have]
    rng.shuffle(extra)
    while len(dictionary) < args.terms:
        dictionary.append(extra.pop())
    dict_path = os.path.join(args.out, "dictionary.txt")
    with open(dict_path, "w", encoding="utf-8", newline="\n") as f:
        for term in dictionary:
            f.write(term + "\n")

    # ---- corpus ---------------------------------------------------------------------------------------------
    # Text words are drawn with their real frequencies (jieba counts, wordfreq frequencies), flattened a little
    # (power 0.8) so that a description is not only particles and "the".
    zh_text = [(w, f) for (w, f, t) in zh_rows if f >= 5 and t not in ("nr", "nrt", "x")]
    zh_words = [w for (w, _) in zh_text]
    zh_cum = list(accumulate(f ** 0.8 for (_, f) in zh_text))
    zh_prod = [w for (w, f, t) in zh_rows if f >= 20 and t in ("n", "vn") and len(w) >= 2]
    zh_prod_cum = list(accumulate(1.0 for _ in zh_prod))
    en_text = en_rows[:40000]
    en_words = [w for (w, _) in en_text]
    en_cum = list(accumulate(f ** 0.8 for (_, f) in en_text))
    brand_caps = [b.title() for b in brands[:3000]]

    def zh_phrase(n):
        return "".join(rng.choices(zh_words, cum_weights=zh_cum, k=n))

    def zh_listing():
        title = rng.choice(ZH_OPENERS)
        if rng.random() < 0.5:
            title += rng.choice(brand_caps) + " "
        title += zh_phrase(rng.randint(2, 5)) + "".join(rng.choices(zh_prod, cum_weights=zh_prod_cum, k=rng.randint(1, 3)))
        if rng.random() < 0.4:
            title += " " + rng.choice(EN_SIZES)
        if rng.random() < 0.05:
            title = rng.choice(EMOJI) + title
        sentences = []
        for _ in range(rng.randint(3, 8)):
            s = zh_phrase(rng.randint(4, 14))
            if rng.random() < 0.2:
                s += rng.choice(EN_PRODUCTS + EN_SIZES)
            sentences.append(s)
        desc = "".join(s + rng.choice(ZH_PUNCT) for s in sentences)
        text = title + " | " + desc
        if rng.random() < 0.10:                     # some sellers list in traditional characters
            text = "".join(to_trad.get(c, c) for c in text)
        if rng.random() < 0.03:                     # and some paste full-width Latin
            text = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" and c != "|" else c for c in text)
        return text

    def en_listing():
        words = []
        if rng.random() < 0.6:
            words.append(rng.choice(brand_caps))
        words += [rng.choice(EN_ADJ).title() for _ in range(rng.randint(1, 3))]
        words.append(rng.choice(EN_PRODUCTS).title())
        if rng.random() < 0.4:
            words.append(rng.choice(EN_FOR))
        if rng.random() < 0.5:
            words.append(rng.choice(EN_SIZES))
        if rng.random() < 0.05:
            words.append(rng.choice(EMOJI))
        title = " ".join(words)
        if rng.random() < 0.15:
            title += " " + zh_phrase(rng.randint(1, 3))     # bilingual titles from cross-border sellers
        sentences = []
        for _ in range(rng.randint(2, 6)):
            n = rng.randint(6, 18)
            s = rng.choices(en_words, cum_weights=en_cum, k=n)
            s[rng.randrange(n)] = rng.choice(EN_PRODUCTS)
            if rng.random() < 0.3:
                s.insert(rng.randrange(n), rng.choice(EN_ADJ))
            sentences.append(" ".join(s).capitalize() + rng.choice([".", ".", ".", "!", ";"]))
        return title + " | " + " ".join(sentences)

    target = int(args.mb * 1024 * 1024)
    corpus_path = os.path.join(args.out, "corpus.txt")
    total = zh_bytes = en_bytes = lines = embedded = 0
    h = hashlib.sha256()
    buf = []
    with open(corpus_path, "wb") as f:
        while total < target:
            # Balance the two languages by bytes: the next listing is in whichever is behind.
            zh = zh_bytes < en_bytes if abs(zh_bytes - en_bytes) > 4096 else rng.random() < 0.5
            text = zh_listing() if zh else en_listing()
            if rng.random() < args.embed_rate:
                term = obfuscate(rng, rng.choice(catalogue), to_trad)
                cut = rng.randrange(len(text) + 1)
                sep = "" if zh else " "
                text = text[:cut] + sep + term + sep + text[cut:]
                embedded += 1
            data = (text.replace("\n", " ") + "\n").encode("utf-8")
            if zh:
                zh_bytes += len(data)
            else:
                en_bytes += len(data)
            total += len(data)
            lines += 1
            buf.append(data)
            if len(buf) >= 4096:
                chunk = b"".join(buf)
                f.write(chunk)
                h.update(chunk)
                buf.clear()
        chunk = b"".join(buf)
        f.write(chunk)
        h.update(chunk)

    def sha(path):
        d = hashlib.sha256()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                d.update(block)
        return d.hexdigest()

    from importlib.metadata import version
    manifest = {
        "seed": args.seed,
        "mb_requested": args.mb,
        "corpus_bytes": total,
        "corpus_lines": lines,
        "zh_primary_bytes": zh_bytes,
        "en_primary_bytes": en_bytes,
        "embedded_catalogue_terms": embedded,
        "dictionary_terms": len(dictionary),
        "dictionary_sources": {"catalogue_and_allow_phrases": n_catalogue, "jieba": n_zh, "wordfreq_en": n_en,
                               "brand_like": n_brand, "overlaps_removed": n_catalogue + n_zh + n_en + n_brand - n_unique,
                               "jieba_top_up": len(dictionary) - n_unique},
        "jieba_version": version("jieba"),
        "jieba_dict": os.path.basename(jieba_path),
        "wordfreq_version": version("wordfreq"),
        "python": sys.version.split()[0],
        "corpus_sha256": h.hexdigest(),
        "dictionary_sha256": sha(dict_path),
        "seconds": round(time.time() - t0, 1),
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    print(json.dumps(manifest, indent=2))


if __name__ == "__main__":
    main()
