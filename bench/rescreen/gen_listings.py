#!/usr/bin/env python3
"""Generate N realistic stored listings for the bulk re-screen benchmark.

Writes them into an already migrated SQLite database (executemany, one transaction per
--chunk rows) and/or into a CSV file for PostgreSQL's COPY (\\copy ... FORMAT csv). Both
outputs get identical rows for the same --seed, so the two engines re-screen the same data.

Every row is stored the way ListingStore.save writes it: `content` is the JSON of
ListingContent (Money as {"amount":"19.90","currency":"USD"}), `findings` is "[]",
`verdict` matches the status, and `catalogue_version` is an old hash, so the re-screen
sees a catalogue change for every listing (the worst case: every live listing is rewritten).

Mix: ~96.5% ordinary products (zh, en or bilingual titles/descriptions), ~3.5% carrying a
term of the bundled catalogue (brands, prohibited, restricted-without-certificate, ad words)
for one of the listing's markets. Markets are spread over CN, US, EU, UK, JP, AU, GCC.
"""
import argparse
import csv
import glob
import json
import os
import random
import sqlite3
import sys
import time

COLUMNS = ["id", "merchant_id", "status", "version", "title", "markets", "content", "verdict", "findings",
           "catalogue_version", "screened_at", "status_reason", "created_at", "updated_at"]
OLD_CATALOGUE = "0123456789abcdef"  # not the hash of the bundled catalogue: every listing counts as stale
ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # lowercase Crockford base32 (Kernel PrefixedID)

MARKETS = ["CN", "US", "EU", "UK", "JP", "AU", "GCC"]
MARKET_WEIGHTS = [0.20, 0.62, 0.45, 0.30, 0.22, 0.18, 0.10]
MARKET_COUNT = [(1, 0.38), (2, 0.30), (3, 0.18), (4, 0.08), (5, 0.03), (6, 0.02), (7, 0.01)]
CURRENCY = {"US": ("USD", 2), "EU": ("EUR", 2), "UK": ("GBP", 2), "JP": ("JPY", 0), "AU": ("AUD", 2),
            "GCC": ("AED", 2), "CN": ("CNY", 2)}

# Ordinary product vocabulary: (en noun, zh noun, unit en, unit zh, hs code, attribute keys).
PRODUCTS = [
    ("phone case", "手机壳", "1 piece", "1个", "392690", ["material", "compatible model"]),
    ("tempered glass screen protector", "钢化玻璃膜", "2 pieces", "2片", "700719", ["compatible model"]),
    ("USB-C cable", "Type-C数据线", "1 piece", "1条", "854442", ["length", "colour"]),
    ("wireless earbuds", "无线蓝牙耳机", "1 pair", "1副", "851830", ["bluetooth version", "colour"]),
    ("laptop stand", "笔记本电脑支架", "1 piece", "1个", "761699", ["material", "colour"]),
    ("mechanical keyboard", "机械键盘", "1 piece", "1个", "847160", ["switch", "layout"]),
    ("wireless mouse", "无线鼠标", "1 piece", "1个", "847160", ["dpi", "colour"]),
    ("desk lamp", "LED台灯", "1 piece", "1个", "940520", ["colour temperature", "power"]),
    ("water bottle", "保温杯", "500 ml", "500毫升", "732393", ["capacity", "colour"]),
    ("ceramic mug", "陶瓷马克杯", "1 piece", "1个", "691200", ["capacity", "colour"]),
    ("bamboo cutting board", "竹制砧板", "1 piece", "1块", "441990", ["size"]),
    ("stainless steel lunch box", "不锈钢饭盒", "1 set", "1套", "732393", ["capacity", "layers"]),
    ("silicone baking mat", "硅胶烘焙垫", "2 pieces", "2张", "392490", ["size"]),
    ("storage basket", "收纳筐", "3 pieces", "3个", "460219", ["material", "size"]),
    ("cotton bath towel", "纯棉浴巾", "1 piece", "1条", "630260", ["size", "colour"]),
    ("bed sheet set", "床单四件套", "1 set", "1套", "630231", ["size", "colour"]),
    ("throw pillow cover", "抱枕套", "2 pieces", "2个", "630499", ["size", "pattern"]),
    ("blackout curtain", "遮光窗帘", "1 panel", "1片", "630391", ["size", "colour"]),
    ("yoga mat", "瑜伽垫", "1 piece", "1张", "950691", ["thickness", "colour"]),
    ("resistance bands", "弹力带", "1 set", "1套", "950691", ["levels"]),
    ("running shoes", "跑步鞋", "1 pair", "1双", "640411", ["size", "colour"]),
    ("canvas sneakers", "帆布鞋", "1 pair", "1双", "640419", ["size", "colour"]),
    ("women's cardigan", "女士针织开衫", "1 piece", "1件", "611030", ["size", "colour"]),
    ("men's cotton T-shirt", "男士纯棉T恤", "1 piece", "1件", "610910", ["size", "colour"]),
    ("hooded sweatshirt", "连帽卫衣", "1 piece", "1件", "611020", ["size", "colour"]),
    ("denim jacket", "牛仔外套", "1 piece", "1件", "620332", ["size", "wash"]),
    ("silk scarf", "真丝围巾", "1 piece", "1条", "621410", ["size", "pattern"]),
    ("wool beanie", "羊毛针织帽", "1 piece", "1顶", "650500", ["colour"]),
    ("leather belt", "牛皮腰带", "1 piece", "1条", "420330", ["length", "colour"]),
    ("backpack", "双肩背包", "1 piece", "1个", "420292", ["capacity", "colour"]),
    ("tote bag", "帆布托特包", "1 piece", "1个", "420222", ["size", "colour"]),
    ("sunglasses", "太阳镜", "1 piece", "1副", "900410", ["lens", "frame colour"]),
    ("wrist watch", "石英手表", "1 piece", "1块", "910211", ["case size", "strap"]),
    ("hair clips", "发夹", "6 pieces", "6个", "961519", ["colour"]),
    ("makeup brush set", "化妆刷套装", "12 pieces", "12支", "960329", ["bristle"]),
    ("facial cleansing brush", "洁面刷", "1 piece", "1个", "850980", ["colour"]),
    ("notebook", "笔记本", "3 pieces", "3本", "482020", ["pages", "paper"]),
    ("gel pens", "中性笔", "12 pieces", "12支", "960810", ["ink colour", "tip"]),
    ("watercolour paint set", "水彩颜料套装", "24 colours", "24色", "321310", ["colours"]),
    ("jigsaw puzzle", "拼图", "1000 pieces", "1000片", "950590", ["pieces"]),
    ("building blocks", "积木玩具", "1 set", "1套", "950300", ["pieces", "age"]),
    ("plush toy", "毛绒玩具", "1 piece", "1个", "950300", ["size"]),
    ("pet bed", "宠物窝", "1 piece", "1个", "630790", ["size", "colour"]),
    ("cat scratching post", "猫抓板", "1 piece", "1个", "442199", ["size"]),
    ("dog leash", "狗狗牵引绳", "1 piece", "1条", "420100", ["length", "colour"]),
    ("garden hose nozzle", "浇花喷头", "1 piece", "1个", "842420", ["patterns"]),
    ("plant pot", "陶瓷花盆", "2 pieces", "2个", "691390", ["diameter", "colour"]),
    ("camping lantern", "露营灯", "1 piece", "1个", "940550", ["brightness", "battery"]),
    ("folding chair", "折叠椅", "1 piece", "1把", "940171", ["load", "colour"]),
    ("bicycle light", "自行车灯", "1 set", "1套", "851210", ["brightness"]),
    ("car phone holder", "车载手机支架", "1 piece", "1个", "392690", ["mount"]),
    ("kitchen scale", "厨房电子秤", "1 piece", "1台", "842381", ["capacity", "precision"]),
    ("tea set", "功夫茶具套装", "1 set", "1套", "691110", ["pieces", "material"]),
    ("green tea", "西湖龙井绿茶", "250 g", "250克", "090210", ["grade", "harvest"]),
    ("dried goji berries", "宁夏枸杞", "500 g", "500克", "081340", ["origin"]),
    ("chopsticks set", "筷子套装", "10 pairs", "10双", "441990", ["material"]),
    ("umbrella", "折叠晴雨伞", "1 piece", "1把", "660191", ["ribs", "colour"]),
    ("photo frame", "相框", "1 piece", "1个", "441400", ["size", "colour"]),
    ("wall clock", "静音挂钟", "1 piece", "1个", "910521", ["diameter", "colour"]),
    ("aroma diffuser", "香薰机", "1 piece", "1台", "850980", ["capacity", "colour"]),
]
ADJ = [("lightweight", "轻便"), ("durable", "耐用"), ("minimalist", "简约"), ("vintage", "复古"), ("portable", "便携"),
       ("foldable", "可折叠"), ("waterproof", "防水"), ("soft", "柔软"), ("breathable", "透气"), ("non-slip", "防滑"),
       ("adjustable", "可调节"), ("handmade", "手工"), ("classic", "经典"), ("cute", "可爱"), ("large", "大号"),
       ("compact", "小巧"), ("thickened", "加厚"), ("quiet", "静音"), ("ergonomic", "人体工学"), ("everyday", "日常")]
COLOURS = [("black", "黑色"), ("white", "白色"), ("grey", "灰色"), ("navy", "藏青色"), ("beige", "米色"), ("pink", "粉色"),
           ("green", "绿色"), ("blue", "蓝色"), ("red", "红色"), ("brown", "棕色"), ("khaki", "卡其色"), ("purple", "紫色")]
MATERIALS = [("cotton", "纯棉"), ("polyester", "涤纶"), ("stainless steel", "不锈钢"), ("silicone", "硅胶"), ("bamboo", "竹子"),
             ("ABS plastic", "ABS塑料"), ("aluminium alloy", "铝合金"), ("ceramic", "陶瓷"), ("wool", "羊毛"),
             ("genuine leather", "头层牛皮"), ("linen", "亚麻"), ("oak wood", "橡木")]
USES = [("for home and office", "居家办公两用"), ("for travel", "出差旅行"), ("gift for friends", "送朋友礼物"),
        ("for students", "学生适用"), ("for kitchen", "厨房用"), ("for outdoor use", "户外使用"), ("for daily use", "日常使用")]
EN_SENTENCES = [
    "Made of {mat}, {adj} and easy to clean.", "Available in {col}; other colours in the shop.",
    "Ships from our Shenzhen warehouse within 48 hours.", "Package includes {unit}.",
    "Please check the size chart before ordering.", "Suitable {use}.", "Hand wash recommended.",
    "Each item is inspected before shipping.", "Returns accepted within 30 days in original packaging.",
    "Dimensions may vary by 1-2 cm due to manual measurement.", "Designed in Hangzhou, assembled in Dongguan.",
]
ZH_SENTENCES = [
    "采用{mat}材质，{adj}耐用，易清洁。", "颜色：{col}，店内还有其他颜色可选。", "深圳仓现货，48小时内发货。",
    "包装内含{unit}。", "下单前请参考尺码表。", "{use}。", "建议手洗。", "每件商品发货前均经过质检。",
    "支持30天无理由退换（保持原包装）。", "手工测量存在1-2厘米误差，请以实物为准。", "杭州设计，东莞生产。",
]
ATTR_VALUES = {
    "size": ["S", "M", "L", "XL", "XXL", "EU 38", "EU 42", "40 x 30 cm", "150 x 200 cm", "A5"],
    "capacity": ["350 ml", "500 ml", "750 ml", "1 L", "20 L", "30 L"], "length": ["1 m", "2 m", "105 cm", "120 cm"],
    "compatible model": ["iPhone 15", "iPhone 14 Pro", "Galaxy S24", "Pixel 8", "Redmi Note 13"],
    "bluetooth version": ["5.3", "5.4"], "switch": ["red linear", "brown tactile", "blue clicky"],
    "layout": ["ANSI 87", "ISO 104", "75%"], "dpi": ["1600", "2400", "4000"], "colour temperature": ["3000-6500 K"],
    "power": ["5 W", "8 W", "12 W"], "layers": ["2", "3"], "pattern": ["floral", "striped", "plain", "checked", "geometric"],
    "thickness": ["6 mm", "8 mm", "10 mm"], "levels": ["5 levels", "3 levels"], "wash": ["light", "mid", "dark"],
    "lens": ["polarised UV400", "UV400"], "case size": ["36 mm", "40 mm", "42 mm"], "strap": ["leather", "mesh", "silicone"],
    "bristle": ["synthetic"], "pages": ["80", "120", "192"], "paper": ["80 gsm", "100 gsm"], "tip": ["0.5 mm", "0.38 mm"],
    "colours": ["24", "36", "48"], "pieces": ["500", "1000", "320", "1200"], "age": ["6+", "8+", "14+"],
    "patterns": ["7 patterns", "10 patterns"], "diameter": ["12 cm", "18 cm", "25 cm"], "brightness": ["300 lm", "800 lm"],
    "battery": ["4400 mAh", "AA x 3"], "load": ["120 kg", "150 kg"], "mount": ["air vent", "dashboard", "windscreen"],
    "precision": ["0.1 g", "1 g"], "grade": ["特级", "一级"], "harvest": ["明前 2025", "雨前 2025"],
    "origin": ["宁夏中宁", "青海柴达木"], "ribs": ["8 ribs", "10 ribs"],
}
VIOLATION_MIX = [("brand", 0.45), ("prohibited", 0.30), ("restricted", 0.15), ("ad-word", 0.10)]
CITIES = [("Shenzhen", "深圳市南山区科技园"), ("Guangzhou", "广州市白云区"), ("Yiwu", "浙江省义乌市"), ("Hangzhou", "杭州市余杭区"),
          ("Dongguan", "东莞市长安镇"), ("Ningbo", "宁波市鄞州区")]
REPS = {"EU": "Tradelane EU Rep GmbH, Friedrichstr. 12, 10117 Berlin, Germany",
        "UK": "Tradelane UK Rep Ltd, 20 Market St, Manchester M1 1PT, United Kingdom"}


def b32(rng, bits=128):
    v = rng.getrandbits(bits)
    out = []
    for _ in range(26):
        out.append(ALPHABET[v & 31])
        v >>= 5
    return "".join(reversed(out))


def load_violations(catalogue_dir):
    """(market, category) -> [(term or variant, rule market)] from the bundled catalogue CSVs."""
    rules = {}
    for path in sorted(glob.glob(os.path.join(catalogue_dir, "*.csv"))):
        if os.path.basename(path) == "allow-phrases.csv":
            continue
        with open(path, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                cat = r["category"]
                if cat == "restricted" and not r["requires"]:
                    continue
                if cat not in ("brand", "prohibited", "restricted", "ad-word"):
                    continue
                terms = [r["term"]] + [v for v in r["variants"].split("|") if v]
                rules.setdefault(cat, []).append((r["market"], terms))
    return rules


def pick_markets(rng):
    k = rng.choices([c for c, _ in MARKET_COUNT], [w for _, w in MARKET_COUNT])[0]
    chosen = set()
    while len(chosen) < k:
        chosen.add(rng.choices(MARKETS, MARKET_WEIGHTS)[0])
    return [m for m in MARKETS if m in chosen]


def price(rng, market):
    code, dec = CURRENCY[market]
    base = rng.choice([4.99, 7.5, 9.9, 12.99, 15.8, 19.9, 24.99, 29.9, 39.0, 49.99, 59.9, 89.0, 129.0, 199.0])
    if dec == 0:
        return {"amount": str(int(base * 150)), "currency": code}
    if code == "CNY":
        base *= 7
    return {"amount": f"{base:.2f}", "currency": code}


class Generator:
    def __init__(self, seed, catalogue_dir, violation_rate, merchants):
        self.rng = random.Random(seed)
        self.violations = load_violations(catalogue_dir)
        self.violation_rate = violation_rate
        self.merchants = ["mer_" + b32(self.rng) for _ in range(merchants)]
        self.now_ms = 1_760_000_000_000  # fixed so runs are reproducible (Oct 2025)
        self.stats = {"violating": 0, "live": 0}

    def violating_term(self, markets):
        rng = self.rng
        cat = rng.choices([c for c, _ in VIOLATION_MIX], [w for _, w in VIOLATION_MIX])[0]
        for _ in range(50):
            market, terms = rng.choice(self.violations[cat])
            if market == "GLOBAL" or market in markets:
                return rng.choice(terms)
        market, terms = rng.choice([r for r in self.violations[cat] if r[0] == "GLOBAL"] or self.violations[cat])
        if market != "GLOBAL" and market not in markets:
            markets.append(market)
        return rng.choice(terms)

    def row(self):
        rng = self.rng
        en, zh, unit_en, unit_zh, hs, attr_keys = rng.choice(PRODUCTS)
        adj, adj_zh = rng.choice(ADJ)
        col, col_zh = rng.choice(COLOURS)
        mat, mat_zh = rng.choice(MATERIALS)
        use, use_zh = rng.choice(USES)
        markets = pick_markets(rng)
        lang = rng.choices(["zh", "en", "both"], [0.40, 0.40, 0.20])[0]
        if lang == "zh":
            title = f"{adj_zh}{mat_zh}{zh} {col_zh} {use_zh}"
        elif lang == "en":
            title = f"{adj.capitalize()} {mat} {en}, {col}, {use}"
        else:
            title = f"{zh} {adj_zh} | {adj.capitalize()} {en} {col}"
        fill = dict(mat=mat, adj=adj, col=col, unit=unit_en, use=use)
        fill_zh = dict(mat=mat_zh, adj=adj_zh, col=col_zh, unit=unit_zh, use=use_zh)
        sentences = []
        if lang in ("en", "both"):
            sentences += [s.format(**fill) for s in rng.sample(EN_SENTENCES, rng.randint(3, 6))]
        if lang in ("zh", "both"):
            sentences += [s.format(**fill_zh) for s in rng.sample(ZH_SENTENCES, rng.randint(3, 6))]
        description = (" " if lang == "en" else "").join(sentences) if lang != "both" else " ".join(sentences)
        violating = rng.random() < self.violation_rate
        if violating:
            term = self.violating_term(markets)
            where = rng.random()
            if where < 0.6:
                title = f"{term} {title}"
            elif where < 0.9:
                description = f"{description} {term}"
            else:
                attr_keys = attr_keys + ["style"]
            self.stats["violating"] += 1
        attributes = {}
        for k in attr_keys:
            attributes[k] = {"colour": col, "frame colour": col, "ink colour": col, "material": mat,
                             "style": term if violating else adj}.get(k) or rng.choice(ATTR_VALUES.get(k, ["standard"]))
        city, city_zh = rng.choice(CITIES)
        n_img = rng.randint(1, 5)
        images = []
        for i in range(n_img):
            img = {"url": f"https://img.tradelane.example/{b32(rng, 64)[-13:]}/{i}.jpg"}
            if rng.random() < 0.7:
                img["alt"] = f"{en} {col} view {i + 1}" if lang != "zh" else f"{zh} {col_zh} 图{i + 1}"
            if rng.random() < 0.08:
                img["ocrText"] = rng.choice(["SIZE CHART", "尺码表", "1 YEAR WARRANTY", "品质保证", "Made in China"])
            images.append(img)
        main = markets[0]
        content = {
            "attributes": attributes,
            "brand": rng.choice([None, None, "Lanmu", "Qingfeng", "Huaxin Home", "Orsino", "Kimoto"]),
            "certifications": [],
            "description": description,
            "hsCode": hs,
            "images": images,
            "markets": markets,
            "originCountry": "CN",
            "price": price(rng, main),
            "responsiblePerson": (REPS.get("EU") if "EU" in markets else REPS.get("UK") if "UK" in markets else None)
                                 or f"{city} Trading Co., Ltd., {city_zh}",
            "title": title,
            "unit": unit_en if lang != "zh" else unit_zh,
            "variationNotice": rng.choice(["Colour may vary slightly due to screen settings; size may vary by 1-2 cm.",
                                           "因显示器差异，颜色可能略有不同；尺寸误差1-2厘米。"]),
        }
        if content["brand"] is None:
            del content["brand"]
        if rng.random() < 0.1:
            p = content["price"]
            content["compareAtPrice"] = {"amount": str(int(p["amount"]) * 2) if "." not in p["amount"]
                                         else f"{float(p['amount']) * 1.5:.2f}", "currency": p["currency"]}
        status = rng.choices(["active", "needs-review", "draft", "rejected", "taken-down"], [0.86, 0.07, 0.03, 0.02, 0.02])[0]
        verdict = {"active": "pass", "needs-review": "review", "draft": "pass", "rejected": "reject", "taken-down": "pass"}[status]
        reason = {"needs-review": "screening: needs review", "taken-down": "takedown: officer decision",
                  "rejected": "screening: rejected"}.get(status)
        if status in ("active", "needs-review"):
            self.stats["live"] += 1
        created = self.now_ms - rng.randint(0, 730 * 86_400_000)
        updated = created + rng.randint(0, 60 * 86_400_000)
        return ("lst_" + b32(rng), rng.choice(self.merchants), status, rng.randint(1, 4), title, ",".join(markets),
                json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")), verdict, "[]",
                OLD_CATALOGUE, updated, reason, created, updated)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=20251101)
    ap.add_argument("--sqlite", help="migrated SQLite database to insert into")
    ap.add_argument("--csv", help="CSV file to write for PostgreSQL COPY (columns in COLUMNS order, no header)")
    ap.add_argument("--chunk", type=int, default=100_000, help="rows per SQLite transaction")
    ap.add_argument("--violation-rate", type=float, default=0.035)
    ap.add_argument("--merchants", type=int, default=5000)
    ap.add_argument("--catalogue", default=os.path.join(here, "..", "..", "Sources", "Compliance", "Resources", "catalogue"))
    ap.add_argument("--from-csv", help="insert the rows of a CSV written earlier by --csv instead of generating (needs --sqlite)")
    a = ap.parse_args()
    if not a.sqlite and not a.csv:
        ap.error("give --sqlite and/or --csv")
    if a.from_csv and (a.csv or not a.sqlite):
        ap.error("--from-csv needs --sqlite and no --csv")
    g = Generator(a.seed, a.catalogue, a.violation_rate, a.merchants)
    db = sqlite3.connect(a.sqlite, isolation_level=None) if a.sqlite else None
    if db:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = OFF")
    out = open(a.csv, "w", newline="", encoding="utf-8") if a.csv else None
    writer = csv.writer(out) if out else None
    insert = f"INSERT INTO listings ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})"
    started = time.time()
    done = 0
    source = None
    if a.from_csv:
        def parsed(r):
            # COPY reads an unquoted empty field as NULL: do the same for status_reason.
            return (r[0], r[1], r[2], int(r[3]), r[4], r[5], r[6], r[7], r[8], r[9], int(r[10]), r[11] or None,
                    int(r[12]), int(r[13]))
        source = (parsed(r) for r in csv.reader(open(a.from_csv, newline="", encoding="utf-8")))
        live = 0
    while done < a.n:
        if source is not None:
            rows = [r for _, r in zip(range(a.chunk), source)]
            if not rows:
                break
            live += sum(1 for r in rows if r[2] in ("active", "needs-review"))
        else:
            rows = [g.row() for _ in range(min(a.chunk, a.n - done))]
        if db:
            db.execute("BEGIN")
            db.executemany(insert, rows)
            db.execute("COMMIT")
        if writer:
            writer.writerows(rows)
        done += len(rows)
        print(f"  generated {done}/{a.n} ({time.time() - started:.0f} s)", file=sys.stderr)
    if db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
    if out:
        out.close()
    if source is not None:
        print(json.dumps({"n": done, "live": live, "from_csv": a.from_csv, "seconds": round(time.time() - started, 1)}))
    else:
        print(json.dumps({"n": a.n, "live": g.stats["live"], "violating": g.stats["violating"],
                          "seconds": round(time.time() - started, 1)}))


if __name__ == "__main__":
    main()
