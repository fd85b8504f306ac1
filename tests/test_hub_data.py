"""The real study's data path (issue 5): local copies laid out as the hub repositories, with
the hub datasets' exact columns and types, go through the same download -> normalize ->
prepare code as the hub; plus backbone snapshots and the offline errors."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import pytest
from datasets import Dataset, Features, List, Value, disable_progress_bars, load_from_disk

from xlgen.catalog import task_specs
from xlgen.datasets.squad_xquad import ADAPTER as SQUAD_XQUAD
from xlgen.datasets.squad_xquad import SQUAD, XQUAD
from xlgen.datasets.xlsum import ADAPTER as XLSUM_ADAPTER
from xlgen.datasets.xlsum import HUB_ID as XLSUM
from xlgen.hub import (
    PREFETCH_BACKBONES,
    PREFETCH_DATA,
    DatasetRef,
    NotDownloadedError,
    backbone_patterns,
    check_columns,
    download_dataset,
    model_cache_path,
    prepare_task_data,
    required_datasets,
    select_records,
    snapshot_backbone,
)
from xlgen.tasks import read_records
from xlgen.tasks.extractive_qa import qa_source

disable_progress_bars()

# The hub's features (dataset cards of csebuetnlp/xlsum, rajpurkar/squad, google/xquad).
XLSUM_FEATURES = Features({k: Value("string") for k in ("id", "url", "title", "summary", "text")})
ANSWERS = {"text": List(Value("string")), "answer_start": List(Value("int32"))}
SQUAD_FEATURES = Features({"id": Value("string"), "title": Value("string"), "context": Value("string"),
                           "question": Value("string"), "answers": ANSWERS})
XQUAD_FEATURES = Features({"id": Value("string"), "context": Value("string"),
                           "question": Value("string"), "answers": ANSWERS})

# ---------------------------------------------------------------------------------------
# XL-Sum: (title, summary, article) per language; rows are numbered variants of these.

NEWS = {
    "russian": [
        ("Москва закрыла каток", "Власти Москвы закрыли главный каток города из-за оттепели.",
         "Главный каток Москвы на Красной площади закрыт из-за аномально тёплой погоды. "
         "По словам мэрии, лёд начал таять ещё в понедельник, и посетителям вернут деньги за билеты."),
        ("Новый мост в Казани", "В Казани открыли новый мост через реку Казанку.",
         "Новый автомобильный мост через Казанку соединил два крупнейших района города. "
         "Строительство заняло три года и обошлось бюджету республики в 12 млрд рублей."),
    ],
    "thai": [
        ("น้ำท่วมเชียงใหม่", "ฝนตกหนักทำให้เกิดน้ำท่วมในเชียงใหม่",
         "ฝนที่ตกหนักต่อเนื่องสามวันทำให้แม่น้ำปิงล้นตลิ่ง ชาวบ้านหลายร้อยครอบครัวต้องอพยพออกจากบ้าน "
         "เจ้าหน้าที่คาดว่าระดับน้ำจะลดลงภายในสัปดาห์หน้า"),
        ("รถไฟฟ้าสายใหม่", "กรุงเทพฯ เปิดให้บริการรถไฟฟ้าสายสีเหลือง",
         "รถไฟฟ้าสายสีเหลืองเริ่มเปิดให้บริการวันนี้ โดยเชื่อมต่อลาดพร้าวกับสำโรง "
         "ผู้โดยสารสามารถใช้บริการฟรีในเดือนแรก"),
    ],
    "chinese_simplified": [
        ("北京迎来初雪", "北京今天迎来今冬第一场雪。",
         "北京市气象台表示，今冬首场降雪从凌晨开始，城区积雪深度达到五厘米。交通部门提醒市民注意出行安全。"),
        ("深圳新建图书馆", "深圳一座新的公共图书馆正式开放。",
         "这座图书馆藏书超过一百万册，设有儿童阅读区和自习室。开放首日吸引了上万名读者。"),
    ],
    "arabic": [
        ("افتتاح متحف في القاهرة", "افتتحت مصر متحفا جديدا قرب الأهرامات.",
         "افتتحت الحكومة المصرية المتحف الكبير قرب أهرامات الجيزة بعد سنوات من العمل. "
         "ويضم المتحف آلاف القطع الأثرية من عصر الفراعنة."),
        ("أمطار في الرياض", "هطلت أمطار غزيرة على العاصمة السعودية.",
         "شهدت الرياض أمطارا غزيرة أدت إلى إغلاق بعض الطرق. ودعا الدفاع المدني السكان إلى البقاء في منازلهم."),
    ],
    "english": [
        ("Storm hits coast", "A storm has brought floods and power cuts to the south coast.",
         "Strong winds and heavy rain hit the south coast overnight, leaving thousands of homes "
         "without power. Rail services were cancelled and several roads were closed by flooding."),
        ("Museum reopens", "The city museum has reopened after a two-year renovation.",
         "The museum reopened its doors on Saturday with a new gallery of local history. "
         "Visitors queued for hours to see the restored collection."),
    ],
}
XLSUM_SIZES = {"train": 9, "validation": 5, "test": 7}


def xlsum_rows(config: str, split: str) -> list[dict]:
    rows = []
    for i in range(XLSUM_SIZES[split]):
        title, summary, text = NEWS[config][i % 2]
        key = int(hashlib.sha1(f"{config}{split}{i}".encode()).hexdigest()[:8], 16) % 10**8
        rows.append({"id": f"news-{key:08d}", "url": f"https://www.bbc.com/{config}/news-{key:08d}",
                     "title": title, "summary": f"{summary} ({i})", "text": f"{text} [{split} {i}]"})
    if split == "test":  # the hub has a few empty fields: such rows are dropped
        rows[3]["summary"] = "  "
    return rows


# ---------------------------------------------------------------------------------------
# XQuAD: five paragraphs, two questions each, in every language (the same ids).

XQUAD_TEXTS = {
    "ru": [
        ("Супербоул 50 — матч по американскому футболу, определивший чемпиона НФЛ сезона 2015 года. "
         "«Денвер Бронкос» обыграли «Каролину Пантерз» со счётом 24:10.",
         [("Какая команда выиграла Супербоул 50?", "«Денвер Бронкос»"),
          ("С каким счётом закончился матч?", "24:10")]),
        ("Варшава — столица и крупнейший город Польши. Она стоит на реке Висле.",
         [("Какой город является столицей Польши?", "Варшава"), ("На какой реке стоит Варшава?", "Висле")]),
        ("Тропические леса Амазонии покрывают большую часть бассейна Амазонки в Южной Америке — "
         "около 5 500 000 квадратных километров.",
         [("Что покрывают леса Амазонии?", "большую часть бассейна Амазонки"),
          ("Какова площадь этих лесов?", "около 5 500 000 квадратных километров")]),
        ("Кислород независимо открыли Карл Вильгельм Шееле в Уппсале в 1773 году и Джозеф Пристли в 1774 году.",
         [("Кто открыл кислород в Уппсале?", "Карл Вильгельм Шееле"),
          ("В каком году Пристли открыл кислород?", "1774")]),
        ("Норманны дали своё имя Нормандии — региону во Франции — в X и XI веках.",
         [("Какой регион назван в честь норманнов?", "Нормандии"),
          ("В какой стране находится Нормандия?", "во Франции")]),
    ],
    "th": [
        ("ซูเปอร์โบวล์ 50 เป็นการแข่งขันอเมริกันฟุตบอลเพื่อหาแชมป์ NFL ประจำฤดูกาล 2015 "
         "เดนเวอร์ บรองโกส์ เอาชนะแคโรไลนา แพนเทอร์ส 24–10",
         [("ทีมใดชนะซูเปอร์โบวล์ 50", "เดนเวอร์ บรองโกส์"), ("ผลการแข่งขันเป็นเท่าใด", "24–10")]),
        ("วอร์ซอเป็นเมืองหลวงและเมืองที่ใหญ่ที่สุดของโปแลนด์ ตั้งอยู่ริมแม่น้ำวิสตูลา",
         [("เมืองหลวงของโปแลนด์คือเมืองใด", "วอร์ซอ"), ("วอร์ซอตั้งอยู่ริมแม่น้ำใด", "แม่น้ำวิสตูลา")]),
        ("ป่าฝนแอมะซอนปกคลุมพื้นที่ส่วนใหญ่ของลุ่มน้ำแอมะซอนในอเมริกาใต้ ประมาณ 5,500,000 ตารางกิโลเมตร",
         [("ป่าฝนแอมะซอนปกคลุมพื้นที่ใด", "ลุ่มน้ำแอมะซอน"), ("ป่าฝนมีพื้นที่เท่าใด", "5,500,000 ตารางกิโลเมตร")]),
        ("ออกซิเจนถูกค้นพบโดยคาร์ล วิลเฮล์ม เชเลอที่อุปซอลาในปี 1773 และโดยโจเซฟ พริสต์ลีย์ในปี 1774",
         [("ใครค้นพบออกซิเจนที่อุปซอลา", "คาร์ล วิลเฮล์ม เชเลอ"), ("พริสต์ลีย์ค้นพบออกซิเจนในปีใด", "1774")]),
        ("ชาวนอร์มันเป็นที่มาของชื่อนอร์ม็องดี ซึ่งเป็นแคว้นหนึ่งในฝรั่งเศส ในคริสต์ศตวรรษที่ 10 และ 11",
         [("แคว้นใดได้ชื่อตามชาวนอร์มัน", "นอร์ม็องดี"), ("นอร์ม็องดีอยู่ในประเทศใด", "ฝรั่งเศส")]),
    ],
    "zh": [
        ("第50届超级碗是一场美式橄榄球比赛，决出2015赛季国家橄榄球联盟的冠军。丹佛野马队以24比10击败卡罗莱纳黑豹队。",
         [("哪支球队赢得了第50届超级碗？", "丹佛野马队"), ("比赛的最终比分是多少？", "24比10")]),
        ("华沙是波兰的首都和最大城市，位于维斯瓦河畔。",
         [("波兰的首都是哪里？", "华沙"), ("华沙位于哪条河畔？", "维斯瓦河")]),
        ("亚马孙雨林覆盖了南美洲亚马孙盆地的大部分地区，面积约550万平方公里。",
         [("亚马孙雨林覆盖了哪里？", "南美洲亚马孙盆地的大部分地区"), ("雨林面积有多大？", "约550万平方公里")]),
        ("氧气由卡尔·威廉·舍勒于1773年在乌普萨拉独立发现，约瑟夫·普里斯特利则于1774年发现。",
         [("谁在乌普萨拉发现了氧气？", "卡尔·威廉·舍勒"), ("普里斯特利在哪一年发现了氧气？", "1774年")]),
        ("诺曼人在10世纪和11世纪将自己的名字赋予了法国的一个地区——诺曼底。",
         [("哪个地区以诺曼人命名？", "诺曼底"), ("诺曼底位于哪个国家？", "法国")]),
    ],
    "ar": [
        ("كان السوبر بول 50 مباراة كرة قدم أمريكية لتحديد بطل الدوري لموسم 2015. "
         "فاز فريق دنفر برونكوز على كارولينا بانثرز بنتيجة 24–10.",
         [("أي فريق فاز بالسوبر بول 50؟", "دنفر برونكوز"), ("ما هي النتيجة النهائية؟", "24–10")]),
        ("وارسو هي عاصمة بولندا وأكبر مدنها، وتقع على نهر فيستولا.",
         [("ما هي عاصمة بولندا؟", "وارسو"), ("على أي نهر تقع وارسو؟", "نهر فيستولا")]),
        ("تغطي غابات الأمازون المطيرة معظم حوض الأمازون في أمريكا الجنوبية، بمساحة تبلغ نحو 5,500,000 كيلومتر مربع.",
         [("ماذا تغطي غابات الأمازون المطيرة؟", "معظم حوض الأمازون"),
          ("ما مساحة الغابات؟", "نحو 5,500,000 كيلومتر مربع")]),
        ("اكتشف كارل فيلهلم شيله الأكسجين في أوبسالا عام 1773، واكتشفه جوزيف بريستلي بشكل مستقل عام 1774.",
         [("من اكتشف الأكسجين في أوبسالا؟", "كارل فيلهلم شيله"), ("في أي عام اكتشف بريستلي الأكسجين؟", "1774")]),
        ("أعطى النورمانديون اسمهم لنورماندي، وهي منطقة في فرنسا، في القرنين العاشر والحادي عشر.",
         [("ما المنطقة التي سميت باسم النورمانديين؟", "نورماندي"), ("في أي بلد تقع نورماندي؟", "فرنسا")]),
    ],
    "el": [
        ("Το Super Bowl 50 ήταν αγώνας αμερικανικού ποδοσφαίρου για τον πρωταθλητή του NFL της σεζόν 2015. "
         "Οι Ντένβερ Μπρόνκος νίκησαν τους Καρολίνα Πάνθερς με 24–10.",
         [("Ποια ομάδα κέρδισε το Super Bowl 50;", "Ντένβερ Μπρόνκος"), ("Ποιο ήταν το τελικό σκορ;", "24–10")]),
        ("Η Βαρσοβία είναι η πρωτεύουσα και η μεγαλύτερη πόλη της Πολωνίας, χτισμένη στον ποταμό Βιστούλα.",
         [("Ποια είναι η πρωτεύουσα της Πολωνίας;", "Βαρσοβία"),
          ("Σε ποιον ποταμό βρίσκεται η Βαρσοβία;", "Βιστούλα")]),
        ("Το τροπικό δάσος του Αμαζονίου καλύπτει το μεγαλύτερο μέρος της λεκάνης του Αμαζονίου, "
         "περίπου 5.500.000 τετραγωνικά χιλιόμετρα.",
         [("Τι καλύπτει το τροπικό δάσος του Αμαζονίου;", "το μεγαλύτερο μέρος της λεκάνης του Αμαζονίου"),
          ("Πόσο μεγάλο είναι το δάσος;", "περίπου 5.500.000 τετραγωνικά χιλιόμετρα")]),
        ("Το οξυγόνο ανακαλύφθηκε ανεξάρτητα από τον Καρλ Βίλχελμ Σέελε στην Ουψάλα το 1773 "
         "και από τον Τζόζεφ Πρίστλεϊ το 1774.",
         [("Ποιος ανακάλυψε το οξυγόνο στην Ουψάλα;", "Καρλ Βίλχελμ Σέελε"),
          ("Ποια χρονιά ανακάλυψε ο Πρίστλεϊ το οξυγόνο;", "1774")]),
        ("Οι Νορμανδοί έδωσαν το όνομά τους στη Νορμανδία, μια περιοχή της Γαλλίας, τον 10ο και 11ο αιώνα.",
         [("Ποια περιοχή πήρε το όνομά της από τους Νορμανδούς;", "Νορμανδία"),
          ("Σε ποια χώρα βρίσκεται η Νορμανδία;", "Γαλλίας")]),
    ],
}
XQUAD_LANGS = sorted(XQUAD_TEXTS)


def squad_id(*parts) -> str:
    """A 24-hex id like SQuAD's (XQuAD keeps SQuAD's ids in every language)."""
    return hashlib.sha1("-".join(map(str, parts)).encode()).hexdigest()[:24]


def qa_row(key: str, context: str, question: str, answers: list[str], title: str | None = None) -> dict:
    starts = [context.find(a) for a in answers]
    assert min(starts) >= 0, (answers, context)
    row = {"id": key, "context": context, "question": question,
           "answers": {"text": answers, "answer_start": starts}}
    if title is not None:
        row = {"id": key, "title": title, **{k: v for k, v in row.items() if k != "id"}}
    return row


def xquad_rows(lang: str) -> list[dict]:
    return [qa_row(squad_id("xquad", p, q), context, question, [answer])
            for p, (context, questions) in enumerate(XQUAD_TEXTS[lang])
            for q, (question, answer) in enumerate(questions)]


SQUAD_VALIDATION = [  # (title, context, [(question, [answers x3])])
    ("Super_Bowl_50", "Super Bowl 50 was an American football game to determine the champion of the National "
     "Football League (NFL) for the 2015 season. The Denver Broncos defeated the Carolina Panthers 24–10.",
     [("Which NFL team won Super Bowl 50?", ["Denver Broncos", "Denver Broncos", "Denver Broncos"]),
      ("What was the final score of Super Bowl 50?", ["24–10", "24–10", "24–10"])]),
    ("Super_Bowl_50", "The game was played on February 7, 2016, at Levi's Stadium in Santa Clara, California.",
     [("Where was Super Bowl 50 played?", ["Levi's Stadium", "Levi's Stadium in Santa Clara, California",
                                           "Santa Clara, California"])]),
    ("Warsaw", "Warsaw is the capital and largest city of Poland. It stands on the Vistula River.",
     [("What is the capital of Poland?", ["Warsaw", "Warsaw", "Warsaw"]),
      ("On which river does Warsaw stand?", ["Vistula River", "the Vistula River", "Vistula"])]),
    ("Warsaw", "Warsaw's Old Town was destroyed in 1944 and rebuilt after the Second World War.",
     [("When was the Old Town destroyed?", ["1944", "1944", "in 1944"])]),
    ("Amazon_rainforest", "The Amazon rainforest covers most of the Amazon basin of South America, "
     "about 5,500,000 square kilometres.",
     [("How large is the Amazon rainforest?", ["5,500,000 square kilometres", "about 5,500,000 square kilometres",
                                               "5,500,000 square kilometres"])]),
    ("Oxygen", "Oxygen was discovered independently by Carl Wilhelm Scheele in Uppsala in 1773 and by "
     "Joseph Priestley in 1774.",
     [("Who discovered oxygen in Uppsala?", ["Carl Wilhelm Scheele", "Scheele", "Carl Wilhelm Scheele"]),
      ("In what year did Priestley discover oxygen?", ["1774", "1774", "1774"])]),
    ("Normans", "The Normans gave their name to Normandy, a region in France, in the 10th and 11th centuries.",
     [("What region is named after the Normans?", ["Normandy", "Normandy", "Normandy"])]),
]
SQUAD_TRAIN = [
    ("University_of_Notre_Dame", "The University of Notre Dame was founded in 1842 by Edward Sorin in Indiana.",
     [("When was the University of Notre Dame founded?", ["1842"]),
      ("Who founded the University of Notre Dame?", ["Edward Sorin"])]),
    ("Kathmandu", "Kathmandu is the capital of Nepal and lies in the Kathmandu Valley at 1,400 metres.",
     [("What is the capital of Nepal?", ["Kathmandu"]), ("At what altitude does Kathmandu lie?", ["1,400 metres"])]),
    ("Beyoncé", "Beyoncé rose to fame in the late 1990s as lead singer of the group Destiny's Child.",
     [("What group was Beyoncé the lead singer of?", ["Destiny's Child"]),
      ("When did Beyoncé rise to fame?", ["in the late 1990s"])]),
]


def squad_rows(spec) -> list[dict]:
    return [qa_row(squad_id(title, p, q, question), context, question, answers, title=title)
            for p, (title, context, questions) in enumerate(spec)
            for q, (question, answers) in enumerate(questions)]


def card(configs: dict[str, dict[str, int]], features_yaml: str) -> str:
    """A dataset card like the hub's: dataset_info (legacy `sequence` features, split sizes,
    which load_dataset verifies) + configs."""
    info, cfg = [], []
    for name, splits in configs.items():
        info.append(f"- config_name: {name}\n  features:\n{features_yaml}  splits:\n"
                    + "".join(f"  - name: {s}\n    num_bytes: {1000 * n}\n    num_examples: {n}\n"
                              for s, n in splits.items()))
        cfg.append(f"- config_name: {name}\n  data_files:\n"
                   + "".join(f"  - split: {s}\n    path: {name}/{s}-*\n" for s in splits))
    return "---\ndataset_info:\n" + "".join(info) + "configs:\n" + "".join(cfg) + "---\n"


QA_FEATURES_YAML = "".join(
    f"  - name: {k}\n    dtype: string\n" for k in ("id", "title", "context", "question")
) + ("  - name: answers\n    sequence:\n    - name: text\n      dtype: string\n"
     "    - name: answer_start\n      dtype: int32\n")


@pytest.fixture(scope="module")
def hub(tmp_path_factory) -> Path:
    """Local copies of the three hub repositories, laid out as on the hub."""
    root = tmp_path_factory.mktemp("hub")
    xlsum = root / "csebuetnlp--xlsum"  # its parquet export: <config>/<split>/0000.parquet
    for config in NEWS:
        for split in XLSUM_SIZES:
            path = xlsum / config / split / "0000.parquet"
            path.parent.mkdir(parents=True)
            Dataset.from_list(xlsum_rows(config, split), features=XLSUM_FEATURES).to_parquet(path)
    squad = root / "rajpurkar--squad"
    (squad / "plain_text").mkdir(parents=True)
    for split, spec in (("train", SQUAD_TRAIN), ("validation", SQUAD_VALIDATION)):
        Dataset.from_list(squad_rows(spec), features=SQUAD_FEATURES).to_parquet(
            squad / "plain_text" / f"{split}-00000-of-00001.parquet")
    sizes = {"train": len(squad_rows(SQUAD_TRAIN)), "validation": len(squad_rows(SQUAD_VALIDATION))}
    (squad / "README.md").write_text(card({"plain_text": sizes}, QA_FEATURES_YAML))
    xquad = root / "google--xquad"
    for lang in XQUAD_LANGS:
        (xquad / f"xquad.{lang}").mkdir(parents=True)
        Dataset.from_list(xquad_rows(lang), features=XQUAD_FEATURES).to_parquet(
            xquad / f"xquad.{lang}" / "validation-00000-of-00001.parquet")
    (xquad / "README.md").write_text(card({f"xquad.{lang}": {"validation": 10} for lang in XQUAD_LANGS},
                                          QA_FEATURES_YAML.replace("  - name: title\n    dtype: string\n", "")))
    return root


SOURCES = {XLSUM: "csebuetnlp--xlsum", SQUAD: "rajpurkar--squad", XQUAD: "google--xquad"}


@pytest.fixture(scope="module")
def cache(hub, tmp_path_factory) -> Path:
    """The download cache of every split the tests read, filled from the local copies."""
    cache_dir = tmp_path_factory.mktemp("datasets")
    refs = {(ref, XLSUM_ADAPTER) for lang in ("en", "ru", "th", "zh", "ar")
            for ref in XLSUM_ADAPTER.sources(lang).values()}
    refs |= {(ref, SQUAD_XQUAD) for lang in ("en", *XQUAD_LANGS) for ref in SQUAD_XQUAD.sources(lang).values()}
    for ref, adapter in refs:
        download_dataset(ref.name, ref.config, ref.split, cache_dir, source=hub / SOURCES[ref.name], adapter=adapter)
    return cache_dir


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


# ---------------------------------------------------------------------------------------


def test_download_keeps_the_hub_columns_and_types(hub, cache):
    for ref, features, rows in [
        (DatasetRef(XLSUM, "russian", "test"), XLSUM_FEATURES, xlsum_rows("russian", "test")),
        (DatasetRef(SQUAD, "plain_text", "validation"), SQUAD_FEATURES, squad_rows(SQUAD_VALIDATION)),
        (DatasetRef(XQUAD, "xquad.th", "validation"), XQUAD_FEATURES, xquad_rows("th")),
    ]:
        saved = load_from_disk(str(ref.path(cache)))
        assert saved.features == features
        assert saved.to_list() == rows
    assert DatasetRef(XLSUM, "russian", "test").path(cache) == cache / "csebuetnlp--xlsum" / "russian" / "test"
    assert not list(cache.rglob(".tmp-*"))


def test_a_cached_split_is_not_loaded_again(cache, tmp_path):
    ref = DatasetRef(XLSUM, "thai", "test")
    before = (ref.path(cache) / "dataset_info.json").stat().st_mtime_ns
    # a missing source would fail if it were read
    assert download_dataset(XLSUM, "thai", "test", cache, source=tmp_path / "nowhere") == ref.path(cache)
    assert (ref.path(cache) / "dataset_info.json").stat().st_mtime_ns == before


def test_columns_are_checked_with_their_types():
    check_columns(SQUAD, SQUAD_FEATURES, SQUAD_XQUAD.columns[SQUAD])
    wrong = Features({**SQUAD_FEATURES, "answers": {"text": List(Value("string")),
                                                    "answer_start": List(Value("int64"))}})
    with pytest.raises(ValueError, match="answers.*int64"):
        check_columns(SQUAD, wrong, SQUAD_XQUAD.columns[SQUAD])
    with pytest.raises(ValueError, match="missing column.*summary"):
        check_columns(XLSUM, Features({k: Value("string") for k in ("id", "url", "title", "text")}),
                      XLSUM_ADAPTER.columns[XLSUM])


def test_summarization_records_come_from_text_and_summary(cache, tmp_path):
    out = tmp_path / "data"
    paths = prepare_task_data(XLSUM_ADAPTER, "summarization", "ru", cache, out, seed=1)
    assert paths == {s: out / "summarization" / "ru" / f"{s}.jsonl" for s in ("train", "dev", "test")}
    hub_rows = {"train": xlsum_rows("russian", "train"), "dev": xlsum_rows("russian", "validation"),
                "test": xlsum_rows("russian", "test")}
    for split, path in paths.items():
        records = read_records("summarization", path)
        usable = [r for r in hub_rows[split] if r["summary"].strip()]
        assert [r["id"] for r in records] == [r["id"] for r in usable]  # hub order, nothing invented
        for record, row in zip(records, usable):
            assert record == {"id": row["id"], "lang": "ru", "source": row["text"], "target": row["summary"]}
    assert len(lines(paths["test"])) == XLSUM_SIZES["test"] - 1  # the empty summary is dropped
    first = lines(paths["test"])[0]
    assert first["source"].startswith("Главный каток Москвы") and first["target"].startswith("Власти Москвы")


def test_english_qa_trains_on_squad_train_and_splits_validation_by_article(cache, tmp_path):
    paths = prepare_task_data(SQUAD_XQUAD, "qa", "en", cache, tmp_path, seed=3, dev_fraction=0.4)
    train = read_records("qa", paths["train"])
    assert [r["id"] for r in train] == [r["id"] for r in squad_rows(SQUAD_TRAIN)]
    by_id = {row["id"]: row for row in squad_rows(SQUAD_VALIDATION)}
    dev, test = read_records("qa", paths["dev"]), read_records("qa", paths["test"])
    assert sorted(r["id"] for r in dev + test) == sorted(by_id)
    dev_titles = {by_id[r["id"]]["title"] for r in dev}
    test_titles = {by_id[r["id"]]["title"] for r in test}
    assert dev_titles and test_titles and not dev_titles & test_titles
    assert len(dev_titles) == 2  # round(0.4 x 5 articles)
    for record in dev + test:
        row = by_id[record["id"]]
        assert record["answers"] == row["answers"]["text"]  # all three, in order
        assert record["target"] == row["answers"]["text"][0]
        assert record["source"] == qa_source(row["question"], row["context"])
        assert record["source"] == f"question: {row['question']} context: {row['context']}"
        assert record["lang"] == "en"


def test_xquad_splits_by_paragraph_with_the_same_questions_in_every_language(cache, tmp_path):
    dev_ids = {}
    for lang in XQUAD_LANGS:
        paths = prepare_task_data(SQUAD_XQUAD, "qa", lang, cache, tmp_path, seed=7, dev_fraction=0.4)
        assert set(paths) == {"dev", "test"}  # XQuAD is evaluation data: no train split
        dev, test = read_records("qa", paths["dev"]), read_records("qa", paths["test"])
        assert len(dev) + len(test) == 10
        assert not {r["context"] for r in dev} & {r["context"] for r in test}
        assert len({r["context"] for r in dev}) == 2  # round(0.4 x 5 paragraphs)
        rows = {row["id"]: row for row in xquad_rows(lang)}
        for record in dev + test:
            row = rows[record["id"]]
            assert record["lang"] == lang
            assert record["answers"] == row["answers"]["text"] and record["target"] == row["answers"]["text"][0]
            assert record["source"] == qa_source(row["question"], row["context"])
        dev_ids[lang] = [r["id"] for r in dev]
    assert len({tuple(ids) for ids in dev_ids.values()}) == 1, dev_ids
    zh_dev = lines(tmp_path / "qa" / "zh" / "dev.jsonl")
    assert all(r["source"].startswith("question: ") and "？ context: " in r["source"] for r in zh_dev)
    with pytest.raises(ValueError, match="no train data"):
        prepare_task_data(SQUAD_XQUAD, "qa", "ru", cache, tmp_path, splits=["train"])


def test_caps_subsample_deterministically(cache, tmp_path):
    caps = {"train": 4, "dev": None, "test": 3}
    a = prepare_task_data(XLSUM_ADAPTER, "summarization", "en", cache, tmp_path / "a", caps, seed=11)
    b = prepare_task_data(XLSUM_ADAPTER, "summarization", "en", cache, tmp_path / "b", caps, seed=11)
    c = prepare_task_data(XLSUM_ADAPTER, "summarization", "en", cache, tmp_path / "c", caps, seed=12)
    for split in a:
        assert a[split].read_bytes() == b[split].read_bytes()  # same seed, same bytes
    assert len(lines(a["train"])) == 4 and len(lines(a["test"])) == 3
    assert len(lines(a["dev"])) == XLSUM_SIZES["validation"]
    order = [r["id"] for r in xlsum_rows("english", "train")]
    kept = [r["id"] for r in lines(a["train"])]
    assert kept == sorted(kept, key=order.index)  # the hub's order is kept
    assert any(a[s].read_bytes() != c[s].read_bytes() for s in ("train", "test"))
    # parallel data: a cap keeps the same questions in every language
    ids = {lang: [r["id"] for r in lines(prepare_task_data(SQUAD_XQUAD, "qa", lang, cache, tmp_path / "q", {"test": 3},
                                                           seed=5, splits=["test"])["test"])]
           for lang in ("ru", "ar")}
    assert len(ids["ru"]) == 3 and ids["ru"] == ids["ar"]
    with pytest.raises(ValueError, match="unknown split"):
        prepare_task_data(SQUAD_XQUAD, "qa", "ru", cache, tmp_path, {"validation": 3})


def test_selection_drops_unusable_rows_and_repeated_ids_with_or_without_a_cap():
    rows = xlsum_rows("arabic", "train")
    rows[2]["text"] = ""  # unusable
    rows[5] = {**rows[5], "id": rows[1]["id"]}  # a repeated id: the first one stays
    dataset = Dataset.from_list(rows, features=XLSUM_FEATURES)
    everything, unusable, repeated = select_records(dataset, list(range(9)), XLSUM_ADAPTER.record, "ar", None, 0,
                                                    "train")
    assert [r["id"] for r in everything] == [rows[i]["id"] for i in (0, 1, 3, 4, 6, 7, 8)]
    assert (unusable, repeated) == (1, 1)
    assert select_records(dataset, list(range(9)), XLSUM_ADAPTER.record, "ar", 7, 0, "train")[0] == everything
    for seed in range(5):  # a capped selection is the capped subset of the uncapped one, in order
        capped = select_records(dataset, list(range(9)), XLSUM_ADAPTER.record, "ar", 3, seed, "train")[0]
        assert len(capped) == 3 and [r for r in everything if r in capped] == capped
    with pytest.raises(ValueError, match="positive integer"):
        select_records(dataset, [0], XLSUM_ADAPTER.record, "ar", 0, 0, "train")


def test_sources_and_required_downloads():
    assert XLSUM_ADAPTER.sources("zh")["dev"] == DatasetRef(XLSUM, "chinese_simplified", "validation")
    assert SQUAD_XQUAD.sources("el") == {"dev": DatasetRef(XQUAD, "xquad.el", "validation"),
                                         "test": DatasetRef(XQUAD, "xquad.el", "validation")}
    with pytest.raises(ValueError, match="xlsum: no data for 'de'"):
        XLSUM_ADAPTER.sources("de")
    with pytest.raises(ValueError, match="squad_xquad: no data for 'fr'"):
        SQUAD_XQUAD.sources("fr")
    config = {"source_language": "en", "target_languages": ["ru", "th"], "tasks": ["summarization", "qa"],
              "task_catalog": {"summarization": {"dataset": "xlsum"}, "qa": {"dataset": "squad_xquad"}}}
    refs = required_datasets(task_specs(config).values())
    assert [(r.name, r.config, r.split) for r in refs] == [
        (XLSUM, "english", "test"), (XLSUM, "english", "train"), (XLSUM, "english", "validation"),
        (XLSUM, "russian", "test"), (XLSUM, "russian", "validation"),
        (XLSUM, "thai", "test"), (XLSUM, "thai", "validation"),
        (XQUAD, "xquad.ru", "validation"), (XQUAD, "xquad.th", "validation"),
        (SQUAD, "plain_text", "train"), (SQUAD, "plain_text", "validation"),
    ]


def test_offline_and_not_cached_is_one_line_naming_dataset_and_command(tmp_path):
    start = time.monotonic()
    with pytest.raises(NotDownloadedError) as err:
        download_dataset(XLSUM, "russian", "test", tmp_path)
    assert time.monotonic() - start < 10  # no retries
    message = str(err.value)
    assert "\n" not in message
    assert "csebuetnlp/xlsum" in message and "russian" in message and "offline" in message
    assert message.endswith(PREFETCH_DATA)
    assert PREFETCH_DATA == "snakemake --until download_data --configfile config/paper.yaml"
    with pytest.raises(NotDownloadedError) as err:
        prepare_task_data(SQUAD_XQUAD, "qa", "th", tmp_path, tmp_path / "out")
    assert "\n" not in str(err.value) and "google/xquad" in str(err.value) and PREFETCH_DATA in str(err.value)
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------
# Backbones


def test_backbone_patterns_prefer_safetensors():
    hub_files = ["config.json", "pytorch_model.bin", "model.safetensors", "tf_model.h5", "flax_model.msgpack",
                 "sentencepiece.bpe.model", "tokenizer_config.json", "special_tokens_map.json", "README.md"]
    patterns = backbone_patterns(hub_files)
    assert "*.safetensors" in patterns and not any("bin" in p for p in patterns)
    only_bin = backbone_patterns([f for f in hub_files if f != "model.safetensors"])
    assert "pytorch_model*.bin" in only_bin and "*.safetensors" not in only_bin


def test_snapshot_from_a_local_copy_loads_like_a_checkpoint(tmp_path):
    from xlgen.backbones import family_of, load_backbone
    from xlgen_demo.backbone import DemoDims, build_model, train_tokenizer

    corpus = ["Победителем марафона в Москве стал Иван Петров.", "The company opened a new factory.",
              "张伟在北京马拉松比赛中获得冠军。"] * 40
    tokenizer = train_tokenizer("mbart", corpus, 300, ["en", "ru", "zh"])
    model = build_model("mbart", tokenizer, DemoDims(d_model=16, layers=1, heads=2, ffn=32), seed=0)
    source = tmp_path / "facebook--mbart-large-50"
    model.save_pretrained(source)
    tokenizer.save_pretrained(source)
    for extra in ("tf_model.h5", "flax_model.msgpack", "README.md", ".gitattributes"):
        (source / extra).write_text("not needed")
    out = model_cache_path(tmp_path / "models", "facebook/mbart-large-50")
    assert out == tmp_path / "models" / "facebook--mbart-large-50"
    assert snapshot_backbone("facebook/mbart-large-50", out, source=source) == out
    names = sorted(p.name for p in out.iterdir())
    assert {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"} <= set(names)
    assert not {"tf_model.h5", "flax_model.msgpack", "README.md", ".gitattributes"} & set(names)
    assert not list((tmp_path / "models").glob(".tmp-*"))
    loaded, loaded_tokenizer = load_backbone(out)
    assert family_of(loaded) == "mbart"
    assert loaded_tokenizer.convert_tokens_to_ids("ru_RU") == tokenizer.convert_tokens_to_ids("ru_RU")
    # there already: returned untouched, the source is not read
    assert snapshot_backbone("facebook/mbart-large-50", out, source=tmp_path / "nowhere") == out


def test_snapshot_offline_is_one_line_naming_model_and_command(tmp_path):
    out = tmp_path / "models" / "facebook--nllb-200-distilled-600M"
    start = time.monotonic()
    with pytest.raises(NotDownloadedError) as err:
        snapshot_backbone("facebook/nllb-200-distilled-600M", out)
    assert time.monotonic() - start < 10
    message = str(err.value)
    assert "\n" not in message and "facebook/nllb-200-distilled-600M" in message
    assert message.endswith(PREFETCH_BACKBONES)
    assert not out.exists() and not list(out.parent.glob(".tmp-*"))
