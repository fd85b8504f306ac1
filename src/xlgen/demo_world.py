"""The offline demo world: a seeded generator of news-domain data in eight languages.

Nothing can be downloaded here, so the default study runs on a small world this module
writes itself: a summarization task (article -> headline), a generative QA task (question
+ article -> answer span), unlabeled same-domain text for pretraining, and English<->X
parallel sentences for the translation-based baselines, for the languages in
`DEMO_LANGUAGES` (four scripts: Latin, Cyrillic, Han, Arabic, Thai).

How the world is built:

* News articles are drawn from six event types (`EVENT_TYPES`). An article is a list of
  sentences: background sentences, exactly one key sentence that states the event, and
  detail sentences. The key sentence is usually *not* the first one, so the "lead
  sentence" baseline is clearly beaten by a model that learned to write the headline.
* Every template is hand-written per language, and the templates of one event are
  index-aligned across languages (background template 2 of "storm" says the same thing in
  every language, with the same slots). Entity lists are index-aligned as well: city 3 is
  "Moscow" / "Москва" / "莫斯科". Rendering one drawn structure in two languages therefore
  gives a translation pair; that is how the parallel corpus is made.
* Draws of the task splits depend on (seed, task, split) but not on the language, so the
  dev and test sets of all languages are parallel (record i of `qa/ru/test.jsonl` is the
  translation of record i of `qa/en/test.jsonl`, as in XQuAD); unlabeled text and parallel
  sentences come from separate, per-language draws.
* Randomness comes only from `random.Random` instances whose seeds are derived from the
  user's seed and a purpose string with BLAKE2b, never from `hash()` (salted per process):
  the same seed writes byte-identical files in any process.

The templates are the project's own; the world checks the pipeline and shows the
zero-shot phenomenon in miniature, it does not stand in for XL-Sum or XQuAD numbers.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path

DEMO_LANGUAGES = ("en", "de", "es", "ru", "zh", "ar", "th", "vi")
EVENT_TYPES = ("marathon", "factory", "minister", "festival", "storm", "election")
SPLITS = ("train", "dev", "test")

# Languages written without spaces between words: sentences are joined without a space
# in Chinese; Thai separates sentences (not words) with a space.
_SENTENCE_JOINER = {"zh": ""}
_CASED = {"en", "de", "es", "ru", "vi"}


def qa_source(question: str, context: str) -> str:
    """The one documented model-input template for QA: f"question: {question} context: {context}" (the mT5/T5 SQuAD convention)."""
    return f"question: {question} context: {context}"


# ---------------------------------------------------------------------------------------
# Entities. Every list is index-aligned across languages: entry i is "the same thing" in
# each language's world. Person names are the exception in spirit: each language has its
# own localized names, and index alignment means "the same person in that language's
# world" (first name 3 + surname 7 is Laura Turner in English, Ольга Козлова in Russian),
# so a parallel pair carries a localized name on each side, as a localized news story
# would. First names 0-7 are women's names and 8-15 men's in every language, which lets
# the templates agree in gender (Russian verbs, German and Spanish titles, Arabic verbs).
# ---------------------------------------------------------------------------------------

_N_FEMALE = 8

_FIRST_NAMES = {
    "en": ("Anna", "Emily", "Sarah", "Laura", "Grace", "Olivia", "Helen", "Clara",
           "James", "Daniel", "Thomas", "Michael", "Robert", "David", "Peter", "Mark"),
    "de": ("Anna", "Lena", "Sophie", "Julia", "Katrin", "Monika", "Sabine", "Claudia",
           "Lukas", "Jonas", "Stefan", "Thomas", "Michael", "Andreas", "Markus", "Felix"),
    "es": ("María", "Lucía", "Carmen", "Elena", "Isabel", "Sofía", "Laura", "Ana",
           "Juan", "Carlos", "Javier", "Miguel", "Pablo", "Diego", "Alejandro", "Manuel"),
    "ru": ("Анна", "Мария", "Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана",
           "Иван", "Алексей", "Дмитрий", "Сергей", "Андрей", "Михаил", "Николай", "Павел"),
    "zh": ("丽", "芳", "敏", "静", "秀英", "婷", "雪", "晓燕",
           "伟", "强", "磊", "军", "洋", "勇", "杰", "涛"),
    "ar": ("فاطمة", "مريم", "ليلى", "نور", "سارة", "هدى", "ريم", "سلمى",
           "أحمد", "محمد", "علي", "عمر", "خالد", "يوسف", "حسن", "كريم"),
    "th": ("สุภาพร", "มาลี", "วรรณา", "ปราณี", "สุดารัตน์", "นภา", "พิมพ์ชนก", "กาญจนา",
           "สมชาย", "ประเสริฐ", "วิชัย", "สมศักดิ์", "ธนากร", "อนุชา", "ณัฐพล", "กิตติ"),
    # Vietnamese given names carry their middle name ("Thị Lan"); the surname goes first.
    "vi": ("Thị Lan", "Thu Hà", "Ngọc Anh", "Thị Mai", "Thanh Hương", "Thị Hoa", "Bảo Ngọc",
           "Phương Linh", "Văn Nam", "Minh Tuấn", "Quốc Bảo", "Văn Hùng", "Đức Anh",
           "Hải Long", "Văn Dũng", "Thành Công"),
}

# Russian surnames are (masculine, feminine); every other language uses one form.
_SURNAMES = {
    "en": ("Carter", "Hughes", "Bennett", "Walker", "Morgan", "Foster", "Harris", "Turner",
           "Mitchell", "Parker", "Collins", "Reed", "Hayes", "Ward", "Brooks", "Palmer"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
           "Hoffmann", "Schulz", "Koch", "Richter", "Klein", "Wolf", "Keller", "Braun"),
    "es": ("García", "Fernández", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Díaz",
           "Romero", "Navarro", "Torres", "Ruiz", "Moreno", "Jiménez", "Castro", "Ortega"),
    "ru": (("Петров", "Петрова"), ("Смирнов", "Смирнова"), ("Иванов", "Иванова"),
           ("Кузнецов", "Кузнецова"), ("Соколов", "Соколова"), ("Попов", "Попова"),
           ("Лебедев", "Лебедева"), ("Козлов", "Козлова"), ("Новиков", "Новикова"),
           ("Морозов", "Морозова"), ("Волков", "Волкова"), ("Зайцев", "Зайцева"),
           ("Павлов", "Павлова"), ("Семёнов", "Семёнова"), ("Голубев", "Голубева"),
           ("Виноградов", "Виноградова")),
    "zh": ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林"),
    "ar": ("المصري", "الحسيني", "منصور", "حداد", "النجار", "الخطيب", "سليمان", "الشامي",
           "القاسم", "الزين", "البغدادي", "السيد", "الرفاعي", "العمري", "حمدان", "عثمان"),
    "th": ("ใจดี", "ศรีสุข", "วงศ์สวัสดิ์", "แก้วมณี", "บุญมา", "สุขสวัสดิ์", "ทองดี", "รัตนพันธ์",
           "จันทร์เพ็ญ", "ศรีวงศ์", "พรหมมา", "สมบูรณ์", "เพชรรัตน์", "มั่นคง", "ชัยมงคล", "อินทรสุวรรณ"),
    "vi": ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ",
           "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"),
}

# Russian cities are (nominative, prepositional, genitive, accusative) so that templates
# can say "в Москве", "мэр Москвы", "посетил Москву"; other languages need one form.
_CITIES = {
    "en": ("London", "Berlin", "Madrid", "Moscow", "Beijing", "Cairo", "Bangkok", "Hanoi",
           "Paris", "Rome", "Tokyo", "Sydney"),
    "de": ("London", "Berlin", "Madrid", "Moskau", "Peking", "Kairo", "Bangkok", "Hanoi",
           "Paris", "Rom", "Tokio", "Sydney"),
    "es": ("Londres", "Berlín", "Madrid", "Moscú", "Pekín", "El Cairo", "Bangkok", "Hanói",
           "París", "Roma", "Tokio", "Sídney"),
    "ru": (("Лондон", "Лондоне", "Лондона", "Лондон"), ("Берлин", "Берлине", "Берлина", "Берлин"),
           ("Мадрид", "Мадриде", "Мадрида", "Мадрид"), ("Москва", "Москве", "Москвы", "Москву"),
           ("Пекин", "Пекине", "Пекина", "Пекин"), ("Каир", "Каире", "Каира", "Каир"),
           ("Бангкок", "Бангкоке", "Бангкока", "Бангкок"), ("Ханой", "Ханое", "Ханоя", "Ханой"),
           ("Париж", "Париже", "Парижа", "Париж"), ("Рим", "Риме", "Рима", "Рим"),
           ("Токио", "Токио", "Токио", "Токио"), ("Сидней", "Сиднее", "Сиднея", "Сидней")),
    "zh": ("伦敦", "柏林", "马德里", "莫斯科", "北京", "开罗", "曼谷", "河内", "巴黎", "罗马", "东京", "悉尼"),
    "ar": ("لندن", "برلين", "مدريد", "موسكو", "بكين", "القاهرة", "بانكوك", "هانوي",
           "باريس", "روما", "طوكيو", "سيدني"),
    "th": ("ลอนดอน", "เบอร์ลิน", "มาดริด", "มอสโก", "ปักกิ่ง", "ไคโร", "กรุงเทพฯ", "ฮานอย",
           "ปารีส", "โรม", "โตเกียว", "ซิดนีย์"),
    "vi": ("Luân Đôn", "Berlin", "Madrid", "Moskva", "Bắc Kinh", "Cairo", "Bangkok", "Hà Nội",
           "Paris", "Roma", "Tokyo", "Sydney"),
}

# Fictional companies. Templates add the descriptor ("компания «…»", "…公司", "شركة …")
# so that the name itself never inflects and a QA answer is the bare name.
_COMPANIES = {
    "en": ("Helios Energy", "Nordic Steel", "Blue River Foods", "Atlas Motors",
           "Sunrise Textiles", "Polaris Electronics", "Green Valley Farms", "Orion Pharma",
           "Silver Line Logistics", "Pioneer Glass"),
    "de": ("Helios Energie", "Nordstahl", "Blaufluss Lebensmittel", "Atlas Motoren",
           "Morgenrot Textil", "Polaris Elektronik", "Grüntal Agrar", "Orion Pharma",
           "Silberlinie Logistik", "Pionier Glas"),
    "es": ("Helios Energía", "Acero Nórdico", "Alimentos Río Azul", "Atlas Motores",
           "Textiles Amanecer", "Polaris Electrónica", "Granjas Valle Verde", "Orión Farma",
           "Logística Línea Plata", "Vidrios Pionero"),
    "ru": ("Гелиос Энергия", "Северная сталь", "Голубая река", "Атлас Моторс",
           "Рассвет Текстиль", "Полярис Электроникс", "Зелёная долина", "Орион Фарма",
           "Серебряная линия", "Пионер Стекло"),
    "zh": ("赫利俄斯能源", "北方钢铁", "蓝河食品", "阿特拉斯汽车", "朝阳纺织",
           "北极星电子", "绿谷农场", "猎户座制药", "银线物流", "先锋玻璃"),
    "ar": ("هيليوس للطاقة", "الصلب الشمالي", "النهر الأزرق للأغذية", "أطلس للسيارات",
           "الشروق للنسيج", "بولاريس للإلكترونيات", "الوادي الأخضر للزراعة", "أوريون للأدوية",
           "الخط الفضي للنقل", "الرائد للزجاج"),
    "th": ("เฮลิออสพลังงาน", "เหล็กนอร์ดิก", "บลูริเวอร์ฟู้ดส์", "แอตลาสมอเตอร์ส", "ซันไรส์สิ่งทอ",
           "โพลาริสอิเล็กทรอนิกส์", "กรีนวัลเลย์ฟาร์ม", "โอไรออนฟาร์มา", "ซิลเวอร์ไลน์โลจิสติกส์",
           "ไพโอเนียร์กลาส"),
    "vi": ("Năng lượng Helios", "Thép Phương Bắc", "Thực phẩm Sông Xanh", "Ô tô Atlas",
           "Dệt may Bình Minh", "Điện tử Polaris", "Nông trại Thung Lũng Xanh", "Dược phẩm Orion",
           "Vận tải Tuyến Bạc", "Kính Tiên Phong"),
}

_PARTIES = {
    "en": ("Green Future", "Citizens' Union", "New Path", "People's Voice", "Liberal Forum",
           "Workers' Alliance"),
    "de": ("Grüne Zukunft", "Bürgerunion", "Neuer Weg", "Stimme des Volkes", "Liberales Forum",
           "Arbeiterbund"),
    "es": ("Futuro Verde", "Unión Ciudadana", "Nuevo Camino", "Voz del Pueblo", "Foro Liberal",
           "Alianza Obrera"),
    "ru": ("Зелёное будущее", "Гражданский союз", "Новый путь", "Голос народа",
           "Либеральный форум", "Рабочий альянс"),
    "zh": ("绿色未来党", "公民联盟党", "新道路党", "人民之声党", "自由论坛党", "工人联盟党"),
    "ar": ("المستقبل الأخضر", "الاتحاد المدني", "الطريق الجديد", "صوت الشعب", "المنتدى الليبرالي",
           "تحالف العمال"),
    "th": ("อนาคตสีเขียว", "สหภาพพลเมือง", "ทางใหม่", "เสียงประชาชน", "เวทีเสรีนิยม", "พันธมิตรแรงงาน"),
    "vi": ("Tương lai Xanh", "Liên minh Công dân", "Con đường Mới", "Tiếng nói Nhân dân",
           "Diễn đàn Tự do", "Liên minh Lao động"),
}

# Minister titles; a (masculine, feminine) pair where the title agrees with the person.
_MINISTERS = {
    "en": ("Health Minister", "Education Minister", "Transport Minister", "Culture Minister",
           "Energy Minister", "Finance Minister"),
    "de": (("Gesundheitsminister", "Gesundheitsministerin"), ("Bildungsminister", "Bildungsministerin"),
           ("Verkehrsminister", "Verkehrsministerin"), ("Kulturminister", "Kulturministerin"),
           ("Energieminister", "Energieministerin"), ("Finanzminister", "Finanzministerin")),
    "es": (("ministro de Sanidad", "ministra de Sanidad"), ("ministro de Educación", "ministra de Educación"),
           ("ministro de Transportes", "ministra de Transportes"), ("ministro de Cultura", "ministra de Cultura"),
           ("ministro de Energía", "ministra de Energía"), ("ministro de Hacienda", "ministra de Hacienda")),
    "ru": ("министр здравоохранения", "министр образования", "министр транспорта",
           "министр культуры", "министр энергетики", "министр финансов"),
    "zh": ("卫生部长", "教育部长", "交通部长", "文化部长", "能源部长", "财政部长"),
    "ar": (("وزير الصحة", "وزيرة الصحة"), ("وزير التعليم", "وزيرة التعليم"), ("وزير النقل", "وزيرة النقل"),
           ("وزير الثقافة", "وزيرة الثقافة"), ("وزير الطاقة", "وزيرة الطاقة"), ("وزير المالية", "وزيرة المالية")),
    "th": ("รัฐมนตรีว่าการกระทรวงสาธารณสุข", "รัฐมนตรีว่าการกระทรวงศึกษาธิการ", "รัฐมนตรีว่าการกระทรวงคมนาคม",
           "รัฐมนตรีว่าการกระทรวงวัฒนธรรม", "รัฐมนตรีว่าการกระทรวงพลังงาน", "รัฐมนตรีว่าการกระทรวงการคลัง"),
    "vi": ("Bộ trưởng Bộ Y tế", "Bộ trưởng Bộ Giáo dục", "Bộ trưởng Bộ Giao thông Vận tải",
           "Bộ trưởng Bộ Văn hóa", "Bộ trưởng Bộ Năng lượng", "Bộ trưởng Bộ Tài chính"),
}

# Month names in the form a date uses (Russian genitive: "12 марта").
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
    "es": ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
           "septiembre", "octubre", "noviembre", "diciembre"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
           "сентября", "октября", "ноября", "декабря"),
    "ar": ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
           "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"),
    "th": ("มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
           "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"),
}

# Thousands separators as local newspapers write them; Spanish and Russian typography
# leave four-digit numbers unseparated.
_THOUSANDS_SEP = {"en": ",", "de": ".", "es": ".", "ru": " ", "zh": "", "ar": ",", "th": ",", "vi": "."}
_GROUP_FROM = {"es": 10_000, "ru": 10_000}


def _format_count(lang: str, n: int) -> str:
    sep = _THOUSANDS_SEP[lang]
    if not sep or n < _GROUP_FROM.get(lang, 1_000):
        return str(n)
    return f"{n:,}".replace(",", sep)


def _format_date(lang: str, day: int, month: int) -> str:
    """The bare date (the QA answer span); templates add the preposition ("on", "am")."""
    if lang == "zh":
        return f"{month + 1}月{day}日"
    if lang == "vi":
        return f"{day} tháng {month + 1}"
    if lang == "de":
        return f"{day}. {_MONTHS['de'][month]}"
    if lang == "es":
        return f"{day} de {_MONTHS['es'][month]}"
    return f"{day} {_MONTHS[lang][month]}"


def _format_millions(lang: str, millions: int) -> str:
    """An amount of money in millions of euros, written the local way."""
    if lang == "zh":
        # Chinese counts in 万 (10^4) and 亿 (10^8): 35 million = 3500万, 350 million = 3.5亿.
        return f"{millions / 100:g}亿欧元" if millions >= 100 else f"{millions * 100}万欧元"
    return {
        "en": "{} million euros", "de": "{} Millionen Euro", "es": "{} millones de euros",
        "ru": "{} млн евро", "ar": "{} مليون يورو", "th": "{} ล้านยูโร", "vi": "{} triệu euro",
    }[lang].format(millions)


# Per event: how `count` is drawn (randint(lo, hi) * step; every count ends in 0, which
# keeps Russian noun agreement in the genitive plural) and what `num` is.
_EVENT_NUMBERS = {
    "marathon": {"count": (20, 400, 100), "num": ("time", 5 * 60, 30 * 60, 1)},
    "factory": {"count": (3, 60, 50), "num": ("millions", 2, 90, 10)},
    "minister": {"count": (10, 90, 10), "num": ("plain", 2, 9, 1)},
    "festival": {"count": (10, 180, 500), "num": ("plain", 3, 10, 1)},
    # Wind speeds are multiples of 5 so Russian "километров" always agrees.
    "storm": {"count": (10, 600, 100), "num": ("plain", 16, 32, 5)},
    "election": {"count": (20, 900, 1000), "num": ("percent", 40, 75, 1)},
}


def _format_num(lang: str, kind: str, value: int) -> str:
    if kind == "time":  # a marathon winning time, seconds past two hours
        return f"2:{value // 60:02d}:{value % 60:02d}"
    if kind == "millions":
        return _format_millions(lang, value)
    if kind == "percent":
        return f"{value}%"
    return str(value)


# ---------------------------------------------------------------------------------------
# Templates. Per language and event: "background" (3), "key" (2), "detail" (3), "summary"
# (2) and one question per askable slot. Lists are index-aligned across languages and an
# aligned pair must use the same slots (checked at import by `_validate_templates`).
#
# Slots: {person} {person2} {city} {company} {party} {minister} {count} {num} {date};
# Russian also uses the case forms {city_loc} {city_gen} {city_acc}. A person is always
# written in the nominative. Gender agreement: ⟨masc|fem⟩ follows {person},
# ⟨@person2:masc|fem⟩ follows {person2}.
# ---------------------------------------------------------------------------------------

_TEMPLATES: dict[str, dict[str, dict]] = {}

_TEMPLATES["en"] = {
    "marathon": {
        "background": (
            "The annual marathon in {city} took place on {date}.",
            "This year {count} runners from more than forty countries took part in the race.",
            "Warm weather and strong wind made the course unusually difficult.",
        ),
        "key": (
            "{person} won the marathon in {city} with a time of {num}.",
            "The winner of the marathon in {city} was {person}, who finished in {num}.",
        ),
        "detail": (
            "{person2} finished second, less than a minute behind the winner.",
            "The race was sponsored by {company}.",
            "Organizers said they plan to expand the event next year.",
        ),
        "summary": (
            "{person} wins marathon in {city}",
            "Victory for {person} at the marathon in {city}",
        ),
        "questions": {
            "person": "Who won the marathon?",
            "person2": "Who finished second in the marathon?",
            "city": "In which city did the marathon take place?",
            "count": "How many runners took part in the marathon?",
            "date": "When did the marathon take place?",
            "company": "Which company sponsored the marathon?",
            "num": "What was the winning time?",
        },
    },
    "factory": {
        "background": (
            "The region around {city} has struggled with high unemployment for years.",
            "Demand for industrial goods has grown strongly over the past two years.",
            "Local authorities had been negotiating with investors for several months.",
        ),
        "key": (
            "{company} opened a new factory in {city} on {date}, creating {count} jobs.",
            "On {date}, {company} opened a new factory in {city} that will employ {count} people.",
        ),
        "detail": (
            "Chief executive {person} said the plant would reach full production next year.",
            "The mayor of {city}, {person2}, welcomed the investment.",
            "Building the factory cost about {num}.",
        ),
        "summary": (
            "{company} opens new factory in {city}",
            "{company} to create {count} jobs in {city}",
        ),
        "questions": {
            "company": "Which company opened the new factory?",
            "city": "Where did the new factory open?",
            "count": "How many jobs will the new factory create?",
            "person": "Who is the chief executive of the company?",
            "person2": "Who welcomed the investment?",
            "date": "When did the factory open?",
            "num": "How much did the factory cost?",
        },
    },
    "minister": {
        "background": (
            "The government has promised to invest more in the regions this year.",
            "Residents of {city} have been asking for new schools and hospitals for years.",
            "The visit had been planned for several weeks.",
        ),
        "key": (
            "{minister} {person} visited {city} on {date}.",
            "On {date}, {minister} {person} arrived in {city} for a two-day visit.",
        ),
        "detail": (
            "More than {count} residents came to a meeting with the minister at the town hall.",
            "The minister also visited a factory run by {company}.",
            "The mayor of {city}, {person2}, called the visit very important.",
        ),
        "summary": (
            "{minister} {person} visits {city}",
            "{minister} {person} begins two-day visit to {city}",
        ),
        "questions": {
            "person": "Who visited the city?",
            "city": "Which city did the minister visit?",
            "date": "When did the minister visit the city?",
            "count": "How many residents came to the meeting with the minister?",
            "company": "Which company runs the factory the minister visited?",
            "person2": "Who is the mayor of the city?",
        },
    },
    "festival": {
        "background": (
            "The annual music festival in {city} is one of the largest events of the year.",
            "Tickets for the event sold out within a few days.",
            "This year the festival lasted three days and used {num} stages.",
        ),
        "key": (
            "{person} headlined the music festival in {city}, which drew {count} visitors.",
            "About {count} people came to the festival in {city}, where {person} gave the main concert.",
        ),
        "detail": (
            "The festival was organized with support from {company}.",
            "The closing concert took place on {date}.",
            "Festival director {person2} said next year's program would be even bigger.",
        ),
        "summary": (
            "{person} headlines music festival in {city}",
            "Music festival in {city} draws {count} visitors",
        ),
        "questions": {
            "person": "Who gave the main concert at the festival?",
            "city": "Where was the music festival held?",
            "count": "How many visitors came to the festival?",
            "company": "Which company supported the festival?",
            "date": "When did the closing concert take place?",
            "person2": "Who is the festival director?",
            "num": "How many stages did the festival use?",
        },
    },
    "storm": {
        "background": (
            "Forecasters had warned of strong winds and heavy rain for several days.",
            "Schools in {city} closed early as a precaution.",
            "Temperatures had dropped sharply the day before.",
        ),
        "key": (
            "A heavy storm hit {city} on {date}, leaving {count} homes without electricity.",
            "About {count} homes in {city} were left without power after a storm on {date}.",
        ),
        "detail": (
            "Wind speeds reached {num} kilometres per hour.",
            "The mayor of {city}, {person}, urged residents to stay at home.",
            "{person2}, a spokesperson for the emergency services, said no one was seriously injured.",
        ),
        "summary": (
            "Storm leaves {count} homes without power in {city}",
            "Heavy storm hits {city}",
        ),
        "questions": {
            "city": "Which city was hit by the storm?",
            "count": "How many homes were left without power?",
            "date": "When did the storm hit?",
            "num": "How many kilometres per hour did the wind reach?",
            "person": "Who urged residents to stay at home?",
            "person2": "Who said that no one was seriously injured?",
        },
    },
    "election": {
        "background": (
            "Voters in {city} went to the polls on {date}.",
            "More than {count} people cast their votes.",
            "The campaign was dominated by debates about housing and public transport.",
        ),
        "key": (
            "{person} of the {party} party was elected mayor of {city} with {num} of the vote.",
            "{party} party candidate {person} won the mayoral election in {city} with {num} of the vote.",
        ),
        "detail": (
            "The outgoing mayor, {person2}, congratulated the winner.",
            "The new mayor will take office next month.",
            "{person} promised to build more affordable housing.",
        ),
        "summary": (
            "{person} elected mayor of {city}",
            "{party} party wins mayoral race in {city}",
        ),
        "questions": {
            "person": "Who won the mayoral election?",
            "city": "In which city was the election held?",
            "party": "Which party does the new mayor belong to?",
            "num": "What share of the vote did the winner receive?",
            "count": "How many people voted?",
            "date": "When did the election take place?",
            "person2": "Who is the outgoing mayor?",
        },
    },
}

_TEMPLATES["de"] = {
    "marathon": {
        "background": (
            "Der jährliche Marathon in {city} fand am {date} statt.",
            "In diesem Jahr nahmen {count} Läuferinnen und Läufer aus mehr als vierzig Ländern teil.",
            "Warmes Wetter und starker Wind machten die Strecke ungewöhnlich schwierig.",
        ),
        "key": (
            "{person} gewann den Marathon in {city} mit einer Zeit von {num}.",
            "⟨Sieger|Siegerin⟩ des Marathons in {city} wurde {person}, ⟨der|die⟩ nach {num} ins Ziel kam.",
        ),
        "detail": (
            "{person2} belegte mit weniger als einer Minute Rückstand den zweiten Platz.",
            "Gesponsert wurde das Rennen von {company}.",
            "Die Veranstalter wollen die Veranstaltung im nächsten Jahr ausbauen.",
        ),
        "summary": (
            "{person} gewinnt Marathon in {city}",
            "Sieg für {person} beim Marathon in {city}",
        ),
        "questions": {
            "person": "Wer hat den Marathon gewonnen?",
            "person2": "Wer belegte beim Marathon den zweiten Platz?",
            "city": "In welcher Stadt fand der Marathon statt?",
            "count": "Wie viele Läufer nahmen am Marathon teil?",
            "date": "Wann fand der Marathon statt?",
            "company": "Welches Unternehmen hat den Marathon gesponsert?",
            "num": "Mit welcher Zeit wurde der Marathon gewonnen?",
        },
    },
    "factory": {
        "background": (
            "Die Region um {city} leidet seit Jahren unter hoher Arbeitslosigkeit.",
            "Die Nachfrage nach Industriegütern ist in den vergangenen zwei Jahren stark gestiegen.",
            "Die örtlichen Behörden hatten mehrere Monate mit Investoren verhandelt.",
        ),
        "key": (
            "{company} eröffnete am {date} ein neues Werk in {city} und schuf damit {count} Arbeitsplätze.",
            "Am {date} eröffnete {company} in {city} ein neues Werk, das {count} Menschen beschäftigen wird.",
        ),
        "detail": (
            "⟨Firmenchef|Firmenchefin⟩ {person} sagte, das Werk werde im nächsten Jahr die volle Produktion erreichen.",
            "⟨@person2:Der Bürgermeister|Die Bürgermeisterin⟩ von {city}, {person2}, begrüßte die Investition.",
            "Der Bau des Werks kostete rund {num}.",
        ),
        "summary": (
            "{company} eröffnet neues Werk in {city}",
            "{company} schafft {count} Arbeitsplätze in {city}",
        ),
        "questions": {
            "company": "Welches Unternehmen hat das neue Werk eröffnet?",
            "city": "Wo wurde das neue Werk eröffnet?",
            "count": "Wie viele Arbeitsplätze schafft das neue Werk?",
            "person": "Wer leitet das Unternehmen?",
            "person2": "Wer begrüßte die Investition?",
            "date": "Wann wurde das Werk eröffnet?",
            "num": "Wie viel kostete der Bau des Werks?",
        },
    },
    "minister": {
        "background": (
            "Die Regierung hat versprochen, in diesem Jahr mehr in die Regionen zu investieren.",
            "Die Einwohner von {city} fordern seit Jahren neue Schulen und Krankenhäuser.",
            "Der Besuch war seit mehreren Wochen geplant.",
        ),
        "key": (
            "{minister} {person} besuchte am {date} {city}.",
            "Am {date} traf {minister} {person} zu einem zweitägigen Besuch in {city} ein.",
        ),
        "detail": (
            "Mehr als {count} Einwohner kamen zu einem Treffen mit ⟨dem Minister|der Ministerin⟩ ins Rathaus.",
            "⟨Der Minister|Die Ministerin⟩ besichtigte außerdem ein Werk von {company}.",
            "⟨@person2:Der Bürgermeister|Die Bürgermeisterin⟩ von {city}, {person2}, nannte den Besuch sehr wichtig.",
        ),
        "summary": (
            "{minister} {person} besucht {city}",
            "{minister} {person} beginnt zweitägigen Besuch in {city}",
        ),
        "questions": {
            "person": "Wer besuchte die Stadt?",
            "city": "Welche Stadt besuchte ⟨der Minister|die Ministerin⟩?",
            "date": "Wann besuchte ⟨der Minister|die Ministerin⟩ die Stadt?",
            "count": "Wie viele Einwohner kamen zu dem Treffen mit ⟨dem Minister|der Ministerin⟩?",
            "company": "Welchem Unternehmen gehört das Werk, das ⟨der Minister|die Ministerin⟩ besichtigte?",
            "person2": "Wer ist ⟨@person2:Bürgermeister|Bürgermeisterin⟩ der Stadt?",
        },
    },
    "festival": {
        "background": (
            "Das jährliche Musikfestival in {city} gehört zu den größten Veranstaltungen des Jahres.",
            "Die Karten für die Veranstaltung waren innerhalb weniger Tage ausverkauft.",
            "In diesem Jahr dauerte das Festival drei Tage und fand auf {num} Bühnen statt.",
        ),
        "key": (
            "{person} war der Star des Musikfestivals in {city}, das {count} Besucher anzog.",
            "Rund {count} Menschen kamen zum Festival in {city}, wo {person} das Hauptkonzert gab.",
        ),
        "detail": (
            "Das Festival wurde mit Unterstützung von {company} organisiert.",
            "Das Abschlusskonzert fand am {date} statt.",
            "⟨@person2:Festivalleiter|Festivalleiterin⟩ {person2} sagte, das Programm werde im nächsten Jahr noch größer.",
        ),
        "summary": (
            "{person} begeistert beim Musikfestival in {city}",
            "Musikfestival in {city} lockt {count} Besucher an",
        ),
        "questions": {
            "person": "Wer gab das Hauptkonzert beim Festival?",
            "city": "Wo fand das Musikfestival statt?",
            "count": "Wie viele Besucher kamen zum Festival?",
            "company": "Welches Unternehmen unterstützte das Festival?",
            "date": "Wann fand das Abschlusskonzert statt?",
            "person2": "Wer leitet das Festival?",
            "num": "Auf wie vielen Bühnen fand das Festival statt?",
        },
    },
    "storm": {
        "background": (
            "Meteorologen hatten seit mehreren Tagen vor starkem Wind und heftigem Regen gewarnt.",
            "Die Schulen in {city} schlossen vorsorglich früher.",
            "Die Temperaturen waren am Vortag stark gesunken.",
        ),
        "key": (
            "Ein schwerer Sturm traf am {date} {city} und ließ {count} Haushalte ohne Strom zurück.",
            "Rund {count} Haushalte in {city} waren nach einem Sturm am {date} ohne Strom.",
        ),
        "detail": (
            "Der Wind erreichte Geschwindigkeiten von {num} Kilometern pro Stunde.",
            "⟨Der Bürgermeister|Die Bürgermeisterin⟩ von {city}, {person}, rief die Bewohner dazu auf, zu Hause zu bleiben.",
            "{person2}, ⟨@person2:Sprecher|Sprecherin⟩ der Rettungsdienste, sagte, niemand sei schwer verletzt worden.",
        ),
        "summary": (
            "Sturm lässt {count} Haushalte in {city} ohne Strom",
            "Schwerer Sturm trifft {city}",
        ),
        "questions": {
            "city": "Welche Stadt wurde vom Sturm getroffen?",
            "count": "Wie viele Haushalte waren ohne Strom?",
            "date": "Wann traf der Sturm die Stadt?",
            "num": "Wie viele Kilometer pro Stunde erreichte der Wind?",
            "person": "Wer rief die Bewohner dazu auf, zu Hause zu bleiben?",
            "person2": "Wer sagte, dass niemand schwer verletzt wurde?",
        },
    },
    "election": {
        "background": (
            "Die Wählerinnen und Wähler in {city} gingen am {date} zur Wahl.",
            "Mehr als {count} Menschen gaben ihre Stimme ab.",
            "Der Wahlkampf war von Debatten über Wohnungen und den öffentlichen Nahverkehr geprägt.",
        ),
        "key": (
            "{person} von der Partei {party} wurde mit {num} der Stimmen ⟨zum Bürgermeister|zur Bürgermeisterin⟩ von {city} gewählt.",
            "⟨Der Kandidat|Die Kandidatin⟩ der Partei {party}, {person}, gewann die Bürgermeisterwahl in {city} mit {num} der Stimmen.",
        ),
        "detail": (
            "⟨@person2:Der scheidende Bürgermeister|Die scheidende Bürgermeisterin⟩ {person2} gratulierte ⟨dem Sieger|der Siegerin⟩.",
            "⟨Der neue Bürgermeister|Die neue Bürgermeisterin⟩ tritt das Amt im nächsten Monat an.",
            "{person} versprach, mehr bezahlbaren Wohnraum zu schaffen.",
        ),
        "summary": (
            "{person} ⟨zum Bürgermeister|zur Bürgermeisterin⟩ von {city} gewählt",
            "Partei {party} gewinnt Bürgermeisterwahl in {city}",
        ),
        "questions": {
            "person": "Wer gewann die Bürgermeisterwahl?",
            "city": "In welcher Stadt fand die Wahl statt?",
            "party": "Welcher Partei gehört ⟨der neue Bürgermeister|die neue Bürgermeisterin⟩ an?",
            "num": "Welchen Stimmenanteil erhielt ⟨der Sieger|die Siegerin⟩?",
            "count": "Wie viele Menschen gaben ihre Stimme ab?",
            "date": "Wann fand die Wahl statt?",
            "person2": "Wer ist ⟨@person2:der scheidende Bürgermeister|die scheidende Bürgermeisterin⟩?",
        },
    },
}

_TEMPLATES["es"] = {
    "marathon": {
        "background": (
            "El maratón anual de {city} se celebró el {date}.",
            "Este año participaron en la carrera {count} corredores de más de cuarenta países.",
            "El calor y el fuerte viento hicieron que el recorrido fuera especialmente difícil.",
        ),
        "key": (
            "{person} ganó el maratón de {city} con un tiempo de {num}.",
            "⟨El ganador|La ganadora⟩ del maratón de {city} fue {person}, que terminó en {num}.",
        ),
        "detail": (
            "{person2} terminó en segundo lugar, a menos de un minuto del primer puesto.",
            "La carrera contó con el patrocinio de {company}.",
            "Los organizadores anunciaron que ampliarán el evento el próximo año.",
        ),
        "summary": (
            "{person} gana el maratón de {city}",
            "Victoria de {person} en el maratón de {city}",
        ),
        "questions": {
            "person": "¿Quién ganó el maratón?",
            "person2": "¿Quién terminó en segundo lugar en el maratón?",
            "city": "¿En qué ciudad se celebró el maratón?",
            "count": "¿Cuántos corredores participaron en el maratón?",
            "date": "¿Cuándo se celebró el maratón?",
            "company": "¿Qué empresa patrocinó el maratón?",
            "num": "¿Cuál fue el tiempo del ganador?",
        },
    },
    "factory": {
        "background": (
            "La región de {city} sufre desde hace años un alto desempleo.",
            "La demanda de bienes industriales ha crecido con fuerza en los últimos dos años.",
            "Las autoridades locales llevaban varios meses negociando con inversores.",
        ),
        "key": (
            "{company} inauguró el {date} una nueva fábrica en {city} que creará {count} empleos.",
            "El {date}, {company} abrió en {city} una nueva fábrica que dará trabajo a {count} personas.",
        ),
        "detail": (
            "⟨El director ejecutivo|La directora ejecutiva⟩, {person}, dijo que la planta alcanzará plena producción el próximo año.",
            "⟨@person2:El alcalde|La alcaldesa⟩ de {city}, {person2}, celebró la inversión.",
            "La construcción de la fábrica costó unos {num}.",
        ),
        "summary": (
            "{company} abre una nueva fábrica en {city}",
            "{company} creará {count} empleos en {city}",
        ),
        "questions": {
            "company": "¿Qué empresa abrió la nueva fábrica?",
            "city": "¿Dónde se abrió la nueva fábrica?",
            "count": "¿Cuántos empleos creará la nueva fábrica?",
            "person": "¿Quién dirige la empresa?",
            "person2": "¿Quién celebró la inversión?",
            "date": "¿Cuándo se inauguró la fábrica?",
            "num": "¿Cuánto costó la fábrica?",
        },
    },
    "minister": {
        "background": (
            "El Gobierno ha prometido invertir más en las regiones este año.",
            "Los vecinos de {city} llevan años pidiendo nuevas escuelas y hospitales.",
            "La visita estaba prevista desde hacía varias semanas.",
        ),
        "key": (
            "⟨El|La⟩ {minister}, {person}, visitó {city} el {date}.",
            "El {date}, ⟨el|la⟩ {minister}, {person}, llegó a {city} para una visita de dos días.",
        ),
        "detail": (
            "Más de {count} vecinos acudieron a una reunión con ⟨el ministro|la ministra⟩ en el ayuntamiento.",
            "⟨El ministro|La ministra⟩ también visitó una fábrica de {company}.",
            "⟨@person2:El alcalde|La alcaldesa⟩ de {city}, {person2}, calificó la visita de muy importante.",
        ),
        "summary": (
            "⟨El|La⟩ {minister}, {person}, visita {city}",
            "⟨El|La⟩ {minister}, {person}, inicia una visita de dos días a {city}",
        ),
        "questions": {
            "person": "¿Quién visitó la ciudad?",
            "city": "¿Qué ciudad visitó ⟨el ministro|la ministra⟩?",
            "date": "¿Cuándo visitó ⟨el ministro|la ministra⟩ la ciudad?",
            "count": "¿Cuántos vecinos acudieron a la reunión con ⟨el ministro|la ministra⟩?",
            "company": "¿De qué empresa era la fábrica que visitó ⟨el ministro|la ministra⟩?",
            "person2": "¿Quién es ⟨@person2:el alcalde|la alcaldesa⟩ de la ciudad?",
        },
    },
    "festival": {
        "background": (
            "El festival anual de música de {city} es uno de los mayores eventos del año.",
            "Las entradas se agotaron en pocos días.",
            "Este año el festival duró tres días y contó con {num} escenarios.",
        ),
        "key": (
            "{person} encabezó el cartel del festival de música de {city}, que atrajo a {count} visitantes.",
            "Unas {count} personas acudieron al festival de {city}, donde {person} ofreció el concierto principal.",
        ),
        "detail": (
            "El festival se organizó con el apoyo de {company}.",
            "El concierto de clausura tuvo lugar el {date}.",
            "⟨@person2:El director|La directora⟩ del festival, {person2}, afirmó que el programa del próximo año será aún mayor.",
        ),
        "summary": (
            "{person} encabeza el festival de música de {city}",
            "El festival de música de {city} atrae a {count} visitantes",
        ),
        "questions": {
            "person": "¿Quién ofreció el concierto principal del festival?",
            "city": "¿Dónde se celebró el festival de música?",
            "count": "¿Cuántos visitantes acudieron al festival?",
            "company": "¿Qué empresa apoyó el festival?",
            "date": "¿Cuándo tuvo lugar el concierto de clausura?",
            "person2": "¿Quién dirige el festival?",
            "num": "¿Cuántos escenarios tuvo el festival?",
        },
    },
    "storm": {
        "background": (
            "Los meteorólogos llevaban varios días advirtiendo de fuertes vientos y lluvias intensas.",
            "Las escuelas de {city} cerraron antes de tiempo como medida de precaución.",
            "Las temperaturas habían bajado bruscamente el día anterior.",
        ),
        "key": (
            "Una fuerte tormenta azotó {city} el {date} y dejó {count} hogares sin electricidad.",
            "Unos {count} hogares de {city} se quedaron sin luz tras una tormenta el {date}.",
        ),
        "detail": (
            "El viento alcanzó velocidades de {num} kilómetros por hora.",
            "⟨El alcalde|La alcaldesa⟩ de {city}, {person}, pidió a los vecinos que se quedaran en casa.",
            "{person2}, portavoz de los servicios de emergencia, aseguró que nadie resultó herido de gravedad.",
        ),
        "summary": (
            "Una tormenta deja {count} hogares sin luz en {city}",
            "Fuerte tormenta azota {city}",
        ),
        "questions": {
            "city": "¿Qué ciudad fue azotada por la tormenta?",
            "count": "¿Cuántos hogares se quedaron sin electricidad?",
            "date": "¿Cuándo azotó la tormenta?",
            "num": "¿Cuántos kilómetros por hora alcanzó el viento?",
            "person": "¿Quién pidió a los vecinos que se quedaran en casa?",
            "person2": "¿Quién aseguró que nadie resultó herido de gravedad?",
        },
    },
    "election": {
        "background": (
            "Los votantes de {city} acudieron a las urnas el {date}.",
            "Más de {count} personas emitieron su voto.",
            "La campaña estuvo marcada por los debates sobre la vivienda y el transporte público.",
        ),
        "key": (
            "{person}, del partido {party}, fue ⟨elegido alcalde|elegida alcaldesa⟩ de {city} con el {num} de los votos.",
            "⟨El candidato|La candidata⟩ del partido {party}, {person}, ganó las elecciones municipales de {city} con el {num} de los votos.",
        ),
        "detail": (
            "⟨@person2:El alcalde saliente|La alcaldesa saliente⟩, {person2}, felicitó ⟨al ganador|a la ganadora⟩.",
            "⟨El nuevo alcalde|La nueva alcaldesa⟩ asumirá el cargo el próximo mes.",
            "{person} prometió construir más viviendas asequibles.",
        ),
        "summary": (
            "{person}, ⟨elegido alcalde|elegida alcaldesa⟩ de {city}",
            "El partido {party} gana la alcaldía de {city}",
        ),
        "questions": {
            "person": "¿Quién ganó las elecciones municipales?",
            "city": "¿En qué ciudad se celebraron las elecciones?",
            "party": "¿A qué partido pertenece ⟨el nuevo alcalde|la nueva alcaldesa⟩?",
            "num": "¿Qué porcentaje de los votos obtuvo ⟨el ganador|la ganadora⟩?",
            "count": "¿Cuántas personas votaron?",
            "date": "¿Cuándo se celebraron las elecciones?",
            "person2": "¿Quién es ⟨@person2:el alcalde saliente|la alcaldesa saliente⟩?",
        },
    },
}

_TEMPLATES["ru"] = {
    "marathon": {
        "background": (
            "Ежегодный марафон в {city_loc} прошёл {date}.",
            "В этом году в забеге приняли участие {count} бегунов из более чем сорока стран.",
            "Жаркая погода и сильный ветер сделали трассу необычайно сложной.",
        ),
        "key": (
            "{person} ⟨выиграл|выиграла⟩ марафон в {city_loc} с результатом {num}.",
            "⟨Победителем|Победительницей⟩ марафона в {city_loc} ⟨стал|стала⟩ {person}, ⟨показавший|показавшая⟩ время {num}.",
        ),
        "detail": (
            "{person2} ⟨@person2:занял|заняла⟩ второе место, отстав от ⟨победителя|победительницы⟩ менее чем на минуту.",
            "Спонсором забега выступила компания «{company}».",
            "Организаторы заявили, что в следующем году планируют расширить мероприятие.",
        ),
        "summary": (
            "{person} ⟨выиграл|выиграла⟩ марафон в {city_loc}",
            "⟨Победителем|Победительницей⟩ марафона в {city_loc} ⟨стал|стала⟩ {person}",
        ),
        "questions": {
            "person": "Кто выиграл марафон?",
            "person2": "Кто занял второе место в марафоне?",
            "city": "В каком городе прошёл марафон?",
            "count": "Сколько бегунов приняли участие в марафоне?",
            "date": "Когда прошёл марафон?",
            "company": "Какая компания выступила спонсором марафона?",
            "num": "С каким результатом был выигран марафон?",
        },
    },
    "factory": {
        "background": (
            "Регион вокруг {city_gen} уже много лет страдает от высокой безработицы.",
            "За последние два года спрос на промышленные товары заметно вырос.",
            "Местные власти несколько месяцев вели переговоры с инвесторами.",
        ),
        "key": (
            "Компания «{company}» {date} открыла новый завод в {city_loc}, создав {count} рабочих мест.",
            "{date} компания «{company}» открыла в {city_loc} новый завод, на котором будут работать {count} человек.",
        ),
        "detail": (
            "Генеральный директор компании {person} ⟨заявил|заявила⟩, что завод выйдет на полную мощность в следующем году.",
            "Мэр {city_gen} {person2} ⟨@person2:приветствовал|приветствовала⟩ эти инвестиции.",
            "Строительство завода обошлось примерно в {num}.",
        ),
        "summary": (
            "Компания «{company}» открыла новый завод в {city_loc}",
            "Компания «{company}» создаст {count} рабочих мест в {city_loc}",
        ),
        "questions": {
            "company": "Какая компания открыла новый завод?",
            "city": "Где открылся новый завод?",
            "count": "Сколько рабочих мест создаст новый завод?",
            "person": "Кто руководит компанией?",
            "person2": "Кто приветствовал инвестиции?",
            "date": "Когда открылся завод?",
            "num": "Во сколько обошлось строительство завода?",
        },
    },
    "minister": {
        "background": (
            "Правительство пообещало в этом году больше инвестировать в регионы.",
            "Жители {city_gen} уже много лет просят построить новые школы и больницы.",
            "Визит готовился в течение нескольких недель.",
        ),
        "key": (
            "{minister} {person} {date} ⟨посетил|посетила⟩ {city_acc}.",
            "{date} {minister} {person} ⟨прибыл|прибыла⟩ в {city_acc} с двухдневным визитом.",
        ),
        "detail": (
            "На встречу с министром в мэрии пришли более {count} жителей.",
            "Министр также ⟨посетил|посетила⟩ завод компании «{company}».",
            "Мэр {city_gen} {person2} ⟨@person2:назвал|назвала⟩ визит очень важным.",
        ),
        "summary": (
            "{minister} {person} ⟨посетил|посетила⟩ {city_acc}",
            "{minister} {person} ⟨прибыл|прибыла⟩ с двухдневным визитом в {city_acc}",
        ),
        "questions": {
            "person": "Кто посетил город?",
            "city": "Какой город ⟨посетил|посетила⟩ министр?",
            "date": "Когда министр ⟨посетил|посетила⟩ город?",
            "count": "Сколько жителей пришли на встречу с министром?",
            "company": "Завод какой компании ⟨посетил|посетила⟩ министр?",
            "person2": "Кто является мэром города?",
        },
    },
    "festival": {
        "background": (
            "Ежегодный музыкальный фестиваль в {city_loc} — одно из крупнейших событий года.",
            "Билеты на мероприятие были распроданы за несколько дней.",
            "В этом году фестиваль длился три дня, а концерты проходили на {num} сценах.",
        ),
        "key": (
            "Хедлайнером музыкального фестиваля в {city_loc}, который посетили {count} зрителей, ⟨стал|стала⟩ {person}.",
            "Около {count} человек собрались на фестивале в {city_loc}, где с главным концертом ⟨выступил|выступила⟩ {person}.",
        ),
        "detail": (
            "Фестиваль был организован при поддержке компании «{company}».",
            "Заключительный концерт состоялся {date}.",
            "Директор фестиваля {person2} ⟨@person2:сообщил|сообщила⟩, что в следующем году программа станет ещё масштабнее.",
        ),
        "summary": (
            "{person} ⟨выступил|выступила⟩ хедлайнером музыкального фестиваля в {city_loc}",
            "Музыкальный фестиваль в {city_loc} собрал {count} зрителей",
        ),
        "questions": {
            "person": "Кто выступил с главным концертом фестиваля?",
            "city": "Где прошёл музыкальный фестиваль?",
            "count": "Сколько зрителей посетили фестиваль?",
            "company": "Какая компания поддержала фестиваль?",
            "date": "Когда состоялся заключительный концерт?",
            "person2": "Кто является директором фестиваля?",
            "num": "На скольких сценах проходили концерты фестиваля?",
        },
    },
    "storm": {
        "background": (
            "Синоптики несколько дней предупреждали о сильном ветре и ливнях.",
            "Школы в {city_loc} в качестве меры предосторожности закрылись раньше обычного.",
            "Накануне температура резко понизилась.",
        ),
        "key": (
            "{date} мощный шторм обрушился на {city_acc}, оставив без электричества {count} домов.",
            "Около {count} домов в {city_loc} остались без света после шторма {date}.",
        ),
        "detail": (
            "Скорость ветра достигала {num} километров в час.",
            "Мэр {city_gen} {person} ⟨призвал|призвала⟩ жителей оставаться дома.",
            "Представитель экстренных служб {person2} ⟨@person2:сообщил|сообщила⟩, что никто серьёзно не пострадал.",
        ),
        "summary": (
            "Шторм оставил без света {count} домов в {city_loc}",
            "Мощный шторм обрушился на {city_acc}",
        ),
        "questions": {
            "city": "На какой город обрушился шторм?",
            "count": "Сколько домов остались без электричества?",
            "date": "Когда произошёл шторм?",
            "num": "Скольких километров в час достигала скорость ветра?",
            "person": "Кто призвал жителей оставаться дома?",
            "person2": "Кто сообщил, что никто серьёзно не пострадал?",
        },
    },
    "election": {
        "background": (
            "{date} жители {city_gen} пришли на избирательные участки.",
            "Свои голоса отдали более {count} человек.",
            "Главными темами кампании стали жильё и общественный транспорт.",
        ),
        "key": (
            "Мэром {city_gen} ⟨избран|избрана⟩ {person} от партии «{party}», ⟨набравший|набравшая⟩ {num} голосов.",
            "Кандидат от партии «{party}» {person} ⟨победил|победила⟩ на выборах мэра {city_gen}, получив {num} голосов.",
        ),
        "detail": (
            "Действующий мэр {person2} ⟨@person2:поздравил|поздравила⟩ ⟨победителя|победительницу⟩ выборов.",
            "Новый мэр вступит в должность в следующем месяце.",
            "{person} ⟨пообещал|пообещала⟩ построить больше доступного жилья.",
        ),
        "summary": (
            "{person} ⟨избран|избрана⟩ мэром {city_gen}",
            "Партия «{party}» победила на выборах мэра {city_gen}",
        ),
        "questions": {
            "person": "Кто победил на выборах мэра?",
            "city": "В каком городе прошли выборы?",
            "party": "Какую партию представляет новый мэр?",
            "num": "Какую долю голосов ⟨получил победитель|получила победительница⟩?",
            "count": "Сколько человек проголосовали?",
            "date": "Когда прошли выборы?",
            "person2": "Кто является действующим мэром?",
        },
    },
}

_TEMPLATES["zh"] = {
    "marathon": {
        "background": (
            "一年一度的{city}马拉松赛于{date}举行。",
            "今年共有来自四十多个国家的{count}名选手参加了比赛。",
            "炎热的天气和强风使赛道格外艰难。",
        ),
        "key": (
            "{person}以{num}的成绩赢得了{city}马拉松赛冠军。",
            "{city}马拉松赛的冠军是{person}，成绩为{num}。",
        ),
        "detail": (
            "{person2}获得亚军，落后冠军不到一分钟。",
            "本次比赛由{company}公司赞助。",
            "组织者表示，明年计划扩大赛事规模。",
        ),
        "summary": (
            "{person}赢得{city}马拉松赛冠军",
            "{person}夺得{city}马拉松赛桂冠",
        ),
        "questions": {
            "person": "谁赢得了马拉松赛冠军？",
            "person2": "谁获得了马拉松赛亚军？",
            "city": "马拉松赛在哪个城市举行？",
            "count": "有多少名选手参加了马拉松赛？",
            "date": "马拉松赛是什么时候举行的？",
            "company": "哪家公司赞助了马拉松赛？",
            "num": "冠军的成绩是多少？",
        },
    },
    "factory": {
        "background": (
            "多年来，{city}周边地区一直面临高失业率问题。",
            "过去两年，工业产品的需求大幅增长。",
            "地方政府与投资者进行了数月的谈判。",
        ),
        "key": (
            "{company}公司于{date}在{city}开设了一家新工厂，创造了{count}个就业岗位。",
            "{date}，{company}公司在{city}开设了一家新工厂，将雇用{count}名员工。",
        ),
        "detail": (
            "首席执行官{person}表示，该工厂将于明年全面投产。",
            "{city}市长{person2}对这项投资表示欢迎。",
            "该工厂的建设耗资约{num}。",
        ),
        "summary": (
            "{company}公司在{city}开设新工厂",
            "{company}公司将在{city}创造{count}个就业岗位",
        ),
        "questions": {
            "company": "哪家公司开设了新工厂？",
            "city": "新工厂开在哪里？",
            "count": "新工厂将创造多少个就业岗位？",
            "person": "谁是该公司的首席执行官？",
            "person2": "谁对这项投资表示欢迎？",
            "date": "工厂是什么时候开业的？",
            "num": "工厂的建设耗资多少？",
        },
    },
    "minister": {
        "background": (
            "政府承诺今年将加大对各地区的投资。",
            "多年来，{city}的居民一直呼吁修建新的学校和医院。",
            "这次访问已筹划了数周。",
        ),
        "key": (
            "{minister}{person}于{date}访问了{city}。",
            "{date}，{minister}{person}抵达{city}，开始为期两天的访问。",
        ),
        "detail": (
            "超过{count}名居民在市政厅参加了与部长的会面。",
            "部长还参观了{company}公司的一家工厂。",
            "{city}市长{person2}称这次访问非常重要。",
        ),
        "summary": (
            "{minister}{person}访问{city}",
            "{minister}{person}抵达{city}开始为期两天的访问",
        ),
        "questions": {
            "person": "谁访问了这座城市？",
            "city": "部长访问了哪座城市？",
            "date": "部长是什么时候访问这座城市的？",
            "count": "有多少名居民参加了与部长的会面？",
            "company": "部长参观了哪家公司的工厂？",
            "person2": "这座城市的市长是谁？",
        },
    },
    "festival": {
        "background": (
            "一年一度的{city}音乐节是当年规模最大的活动之一。",
            "活动门票在几天内就售罄了。",
            "今年的音乐节为期三天，共设有{num}个舞台。",
        ),
        "key": (
            "{person}在{city}音乐节上担任压轴嘉宾，该音乐节吸引了{count}名观众。",
            "约{count}人来到{city}的音乐节，{person}在那里举行了主场音乐会。",
        ),
        "detail": (
            "本届音乐节在{company}公司的支持下举办。",
            "闭幕音乐会于{date}举行。",
            "音乐节总监{person2}表示，明年的节目将更加丰富。",
        ),
        "summary": (
            "{person}压轴亮相{city}音乐节",
            "{city}音乐节吸引{count}名观众",
        ),
        "questions": {
            "person": "谁在音乐节上举行了主场音乐会？",
            "city": "音乐节在哪里举行？",
            "count": "有多少名观众来到音乐节？",
            "company": "哪家公司支持了音乐节？",
            "date": "闭幕音乐会是什么时候举行的？",
            "person2": "谁是音乐节总监？",
            "num": "音乐节共设有多少个舞台？",
        },
    },
    "storm": {
        "background": (
            "气象部门连续数日发布大风和暴雨预警。",
            "出于预防考虑，{city}的学校提前放学。",
            "前一天气温骤降。",
        ),
        "key": (
            "{date}，一场强风暴袭击了{city}，导致{count}户家庭断电。",
            "{date}的风暴过后，{city}约有{count}户家庭停电。",
        ),
        "detail": (
            "风速达到每小时{num}公里。",
            "{city}市长{person}呼吁居民待在家中。",
            "应急部门发言人{person2}表示，没有人受重伤。",
        ),
        "summary": (
            "风暴致{city}{count}户家庭断电",
            "强风暴袭击{city}",
        ),
        "questions": {
            "city": "风暴袭击了哪座城市？",
            "count": "有多少户家庭断电？",
            "date": "风暴是什么时候来袭的？",
            "num": "风速达到每小时多少公里？",
            "person": "谁呼吁居民待在家中？",
            "person2": "谁表示没有人受重伤？",
        },
    },
    "election": {
        "background": (
            "{city}的选民于{date}前往投票站投票。",
            "超过{count}人参加了投票。",
            "竞选期间，住房和公共交通问题成为辩论焦点。",
        ),
        "key": (
            "{party}的{person}以{num}的得票率当选{city}市长。",
            "{party}候选人{person}赢得了{city}市长选举，得票率为{num}。",
        ),
        "detail": (
            "即将离任的市长{person2}向胜选者表示祝贺。",
            "新市长将于下个月就职。",
            "{person}承诺建造更多经济适用房。",
        ),
        "summary": (
            "{person}当选{city}市长",
            "{party}赢得{city}市长选举",
        ),
        "questions": {
            "person": "谁赢得了市长选举？",
            "city": "选举在哪座城市举行？",
            "party": "新市长属于哪个政党？",
            "num": "胜选者的得票率是多少？",
            "count": "有多少人参加了投票？",
            "date": "选举是什么时候举行的？",
            "person2": "即将离任的市长是谁？",
        },
    },
}

_TEMPLATES["ar"] = {
    "marathon": {
        "background": (
            "أقيم ماراثون {city} السنوي في {date}.",
            "شارك في السباق هذا العام {count} عداء من أكثر من أربعين دولة.",
            "جعل الطقس الحار والرياح القوية مسار السباق صعبًا على نحو غير معتاد.",
        ),
        "key": (
            "⟨فاز|فازت⟩ {person} بماراثون {city} بزمن قدره {num}.",
            "⟨الفائز بماراثون {city} هو|الفائزة بماراثون {city} هي⟩ {person}، ⟨الذي أنهى|التي أنهت⟩ السباق في {num}.",
        ),
        "detail": (
            "⟨@person2:حل|حلت⟩ {person2} في المركز الثاني بفارق أقل من دقيقة.",
            "رعت شركة {company} السباق.",
            "قال المنظمون إنهم يخططون لتوسيع الحدث في العام المقبل.",
        ),
        "summary": (
            "{person} ⟨يفوز|تفوز⟩ بماراثون {city}",
            "فوز {person} بماراثون {city}",
        ),
        "questions": {
            "person": "من فاز بالماراثون؟",
            "person2": "من حل في المركز الثاني في الماراثون؟",
            "city": "في أي مدينة أقيم الماراثون؟",
            "count": "كم عدد العدائين الذين شاركوا في الماراثون؟",
            "date": "متى أقيم الماراثون؟",
            "company": "ما الشركة التي رعت الماراثون؟",
            "num": "ما الزمن الذي حققه الفائز؟",
        },
    },
    "factory": {
        "background": (
            "تعاني المنطقة المحيطة بمدينة {city} من ارتفاع معدلات البطالة منذ سنوات.",
            "ارتفع الطلب على السلع الصناعية بشكل كبير خلال العامين الماضيين.",
            "أجرت السلطات المحلية مفاوضات مع المستثمرين لعدة أشهر.",
        ),
        "key": (
            "افتتحت شركة {company} مصنعًا جديدًا في {city} في {date}، ما يوفر {count} فرصة عمل.",
            "في {date}، افتتحت شركة {company} في {city} مصنعًا جديدًا سيعمل فيه {count} شخص.",
        ),
        "detail": (
            "⟨قال الرئيس التنفيذي للشركة|قالت الرئيسة التنفيذية للشركة⟩ {person} إن المصنع سيعمل بكامل طاقته العام المقبل.",
            "⟨@person2:رحب رئيس بلدية|رحبت رئيسة بلدية⟩ {city} {person2} بهذا الاستثمار.",
            "بلغت تكلفة بناء المصنع نحو {num}.",
        ),
        "summary": (
            "شركة {company} تفتتح مصنعًا جديدًا في {city}",
            "شركة {company} توفر {count} فرصة عمل في {city}",
        ),
        "questions": {
            "company": "ما الشركة التي افتتحت المصنع الجديد؟",
            "city": "أين افتُتح المصنع الجديد؟",
            "count": "كم فرصة عمل سيوفرها المصنع الجديد؟",
            "person": "من يرأس الشركة؟",
            "person2": "من رحب بالاستثمار؟",
            "date": "متى افتُتح المصنع؟",
            "num": "كم بلغت تكلفة بناء المصنع؟",
        },
    },
    "minister": {
        "background": (
            "وعدت الحكومة بزيادة الاستثمار في المناطق هذا العام.",
            "يطالب سكان {city} منذ سنوات ببناء مدارس ومستشفيات جديدة.",
            "جرى التخطيط للزيارة منذ عدة أسابيع.",
        ),
        "key": (
            "⟨زار|زارت⟩ {minister} {person} مدينة {city} في {date}.",
            "في {date}، ⟨وصل|وصلت⟩ {minister} {person} إلى {city} في زيارة تستغرق يومين.",
        ),
        "detail": (
            "حضر أكثر من {count} من السكان لقاءً مع ⟨الوزير|الوزيرة⟩ في مقر البلدية.",
            "⟨زار الوزير|زارت الوزيرة⟩ أيضًا مصنعًا تابعًا لشركة {company}.",
            "⟨@person2:وصف رئيس بلدية|وصفت رئيسة بلدية⟩ {city} {person2} الزيارة بأنها مهمة للغاية.",
        ),
        "summary": (
            "{minister} {person} ⟨يزور|تزور⟩ {city}",
            "{minister} {person} ⟨يبدأ|تبدأ⟩ زيارة تستغرق يومين إلى {city}",
        ),
        "questions": {
            "person": "من زار المدينة؟",
            "city": "ما المدينة التي ⟨زارها الوزير|زارتها الوزيرة⟩؟",
            "date": "متى ⟨زار الوزير|زارت الوزيرة⟩ المدينة؟",
            "count": "كم عدد السكان الذين حضروا اللقاء مع ⟨الوزير|الوزيرة⟩؟",
            "company": "ما الشركة التي ⟨زار الوزير|زارت الوزيرة⟩ مصنعها؟",
            "person2": "من ⟨@person2:رئيس|رئيسة⟩ بلدية المدينة؟",
        },
    },
    "festival": {
        "background": (
            "يعد مهرجان {city} السنوي للموسيقى من أكبر أحداث العام.",
            "نفدت تذاكر الحدث في غضون أيام قليلة.",
            "استمر المهرجان هذا العام ثلاثة أيام وأقيم على {num} مسارح.",
        ),
        "key": (
            "⟨كان|كانت⟩ {person} ⟨نجم|نجمة⟩ مهرجان {city} للموسيقى الذي استقطب {count} زائر.",
            "حضر نحو {count} شخص المهرجان في {city}، حيث ⟨أحيا|أحيت⟩ {person} الحفل الرئيسي.",
        ),
        "detail": (
            "نُظم المهرجان بدعم من شركة {company}.",
            "أقيم الحفل الختامي في {date}.",
            "⟨@person2:قال مدير|قالت مديرة⟩ المهرجان {person2} إن برنامج العام المقبل سيكون أكبر.",
        ),
        "summary": (
            "{person} ⟨يتألق|تتألق⟩ في مهرجان {city} للموسيقى",
            "مهرجان {city} للموسيقى يستقطب {count} زائر",
        ),
        "questions": {
            "person": "من أحيا الحفل الرئيسي في المهرجان؟",
            "city": "أين أقيم مهرجان الموسيقى؟",
            "count": "كم عدد الزوار الذين حضروا المهرجان؟",
            "company": "ما الشركة التي دعمت المهرجان؟",
            "date": "متى أقيم الحفل الختامي؟",
            "person2": "من ⟨@person2:مدير|مديرة⟩ المهرجان؟",
            "num": "على كم مسرحًا أقيم المهرجان؟",
        },
    },
    "storm": {
        "background": (
            "حذر خبراء الأرصاد الجوية لعدة أيام من رياح قوية وأمطار غزيرة.",
            "أغلقت المدارس في {city} أبوابها مبكرًا كإجراء احترازي.",
            "انخفضت درجات الحرارة بشكل حاد في اليوم السابق.",
        ),
        "key": (
            "ضربت عاصفة قوية {city} في {date}، ما أدى إلى انقطاع الكهرباء عن {count} منزل.",
            "انقطعت الكهرباء عن نحو {count} منزل في {city} بعد عاصفة ضربت المدينة في {date}.",
        ),
        "detail": (
            "بلغت سرعة الرياح {num} كم في الساعة.",
            "⟨دعا رئيس بلدية|دعت رئيسة بلدية⟩ {city} {person} السكان إلى البقاء في منازلهم.",
            "⟨@person2:قال|قالت⟩ {person2}، ⟨@person2:المتحدث|المتحدثة⟩ باسم خدمات الطوارئ، إنه لم يصب أحد بجروح خطيرة.",
        ),
        "summary": (
            "عاصفة تقطع الكهرباء عن {count} منزل في {city}",
            "عاصفة قوية تضرب {city}",
        ),
        "questions": {
            "city": "ما المدينة التي ضربتها العاصفة؟",
            "count": "كم منزلًا انقطعت عنه الكهرباء؟",
            "date": "متى ضربت العاصفة؟",
            "num": "كم كيلومترًا في الساعة بلغت سرعة الرياح؟",
            "person": "من دعا السكان إلى البقاء في منازلهم؟",
            "person2": "من قال إنه لم يصب أحد بجروح خطيرة؟",
        },
    },
    "election": {
        "background": (
            "توجه الناخبون في {city} إلى صناديق الاقتراع في {date}.",
            "أدلى أكثر من {count} شخص بأصواتهم.",
            "هيمنت النقاشات حول الإسكان والنقل العام على الحملة الانتخابية.",
        ),
        "key": (
            "⟨انتُخب|انتُخبت⟩ {person} من حزب {party} ⟨رئيسًا|رئيسةً⟩ لبلدية {city} بنسبة {num} من الأصوات.",
            "⟨فاز مرشح|فازت مرشحة⟩ حزب {party} {person} بانتخابات رئاسة بلدية {city} ⟨بحصوله|بحصولها⟩ على {num} من الأصوات.",
        ),
        "detail": (
            "⟨@person2:هنأ رئيس البلدية المنتهية ولايته|هنأت رئيسة البلدية المنتهية ولايتها⟩ {person2} ⟨الفائز|الفائزة⟩.",
            "⟨سيتولى رئيس البلدية الجديد منصبه|ستتولى رئيسة البلدية الجديدة منصبها⟩ الشهر المقبل.",
            "⟨وعد|وعدت⟩ {person} ببناء المزيد من المساكن الميسورة التكلفة.",
        ),
        "summary": (
            "انتخاب {person} ⟨رئيسًا|رئيسةً⟩ لبلدية {city}",
            "حزب {party} يفوز برئاسة بلدية {city}",
        ),
        "questions": {
            "person": "من فاز بانتخابات رئاسة البلدية؟",
            "city": "في أي مدينة أجريت الانتخابات؟",
            "party": "إلى أي حزب ⟨ينتمي رئيس البلدية الجديد|تنتمي رئيسة البلدية الجديدة⟩؟",
            "num": "ما نسبة الأصوات التي ⟨حصل عليها الفائز|حصلت عليها الفائزة⟩؟",
            "count": "كم عدد الأشخاص الذين أدلوا بأصواتهم؟",
            "date": "متى أجريت الانتخابات؟",
            "person2": "من ⟨@person2:رئيس البلدية المنتهية ولايته|رئيسة البلدية المنتهية ولايتها⟩؟",
        },
    },
}

# Thai: no spaces between words; a space separates phrases and sentences, and sits around
# names and numbers as Thai news writes them. Thai sentences take no final punctuation.
_TEMPLATES["th"] = {
    "marathon": {
        "background": (
            "การแข่งขันมาราธอนประจำปีที่{city}จัดขึ้นเมื่อวันที่ {date}",
            "ปีนี้มีนักวิ่ง {count} คนจากกว่าสี่สิบประเทศเข้าร่วมการแข่งขัน",
            "อากาศร้อนและลมแรงทำให้เส้นทางการแข่งขันยากกว่าปกติ",
        ),
        "key": (
            "{person} คว้าชัยชนะในการแข่งขันมาราธอนที่{city}ด้วยเวลา {num}",
            "ผู้ชนะการแข่งขันมาราธอนที่{city}คือ {person} ซึ่งเข้าเส้นชัยด้วยเวลา {num}",
        ),
        "detail": (
            "{person2} เข้าเส้นชัยเป็นอันดับสอง ตามหลังผู้ชนะไม่ถึงหนึ่งนาที",
            "การแข่งขันครั้งนี้ได้รับการสนับสนุนจากบริษัท{company}",
            "ผู้จัดงานระบุว่ามีแผนจะขยายการจัดงานในปีหน้า",
        ),
        "summary": (
            "{person} คว้าแชมป์มาราธอนที่{city}",
            "ชัยชนะของ {person} ในการแข่งขันมาราธอนที่{city}",
        ),
        "questions": {
            "person": "ใครชนะการแข่งขันมาราธอน",
            "person2": "ใครเข้าเส้นชัยเป็นอันดับสองในการแข่งขันมาราธอน",
            "city": "การแข่งขันมาราธอนจัดขึ้นที่เมืองใด",
            "count": "มีนักวิ่งเข้าร่วมการแข่งขันมาราธอนกี่คน",
            "date": "การแข่งขันมาราธอนจัดขึ้นเมื่อใด",
            "company": "บริษัทใดเป็นผู้สนับสนุนการแข่งขันมาราธอน",
            "num": "ผู้ชนะใช้เวลาเท่าใด",
        },
    },
    "factory": {
        "background": (
            "พื้นที่โดยรอบ{city}ประสบปัญหาการว่างงานสูงมาหลายปี",
            "ความต้องการสินค้าอุตสาหกรรมเพิ่มขึ้นอย่างมากในช่วงสองปีที่ผ่านมา",
            "หน่วยงานท้องถิ่นเจรจากับนักลงทุนมาหลายเดือน",
        ),
        "key": (
            "บริษัท{company}เปิดโรงงานแห่งใหม่ที่{city}เมื่อวันที่ {date} ซึ่งสร้างงาน {count} ตำแหน่ง",
            "เมื่อวันที่ {date} บริษัท{company}ได้เปิดโรงงานแห่งใหม่ที่{city} ซึ่งจะจ้างพนักงาน {count} คน",
        ),
        "detail": (
            "{person} ประธานเจ้าหน้าที่บริหารของบริษัท กล่าวว่าโรงงานจะเดินเครื่องเต็มกำลังในปีหน้า",
            "{person2} นายกเทศมนตรี{city} แสดงความยินดีต่อการลงทุนครั้งนี้",
            "การก่อสร้างโรงงานใช้งบประมาณราว {num}",
        ),
        "summary": (
            "บริษัท{company}เปิดโรงงานแห่งใหม่ที่{city}",
            "บริษัท{company}สร้างงาน {count} ตำแหน่งที่{city}",
        ),
        "questions": {
            "company": "บริษัทใดเปิดโรงงานแห่งใหม่",
            "city": "โรงงานแห่งใหม่เปิดที่ใด",
            "count": "โรงงานแห่งใหม่จะสร้างงานกี่ตำแหน่ง",
            "person": "ใครเป็นประธานเจ้าหน้าที่บริหารของบริษัท",
            "person2": "ใครแสดงความยินดีต่อการลงทุน",
            "date": "โรงงานเปิดเมื่อใด",
            "num": "การก่อสร้างโรงงานใช้งบประมาณเท่าใด",
        },
    },
    "minister": {
        "background": (
            "รัฐบาลให้คำมั่นว่าจะลงทุนในภูมิภาคต่าง ๆ มากขึ้นในปีนี้",
            "ชาวเมือง{city}เรียกร้องให้สร้างโรงเรียนและโรงพยาบาลแห่งใหม่มาหลายปี",
            "การเยือนครั้งนี้มีการวางแผนไว้ล่วงหน้าหลายสัปดาห์",
        ),
        "key": (
            "{minister} {person} เดินทางเยือน{city}เมื่อวันที่ {date}",
            "เมื่อวันที่ {date} {minister} {person} เดินทางถึง{city}เพื่อเยือนเป็นเวลาสองวัน",
        ),
        "detail": (
            "ชาวเมืองกว่า {count} คนเข้าร่วมการพบปะกับรัฐมนตรีที่ศาลาว่าการเมือง",
            "รัฐมนตรียังได้เยี่ยมชมโรงงานของบริษัท{company}ด้วย",
            "{person2} นายกเทศมนตรี{city} กล่าวว่าการเยือนครั้งนี้มีความสำคัญอย่างยิ่ง",
        ),
        "summary": (
            "{minister} {person} เยือน{city}",
            "{minister} {person} เริ่มการเยือน{city}เป็นเวลาสองวัน",
        ),
        "questions": {
            "person": "ใครเดินทางเยือนเมืองนี้",
            "city": "รัฐมนตรีเดินทางเยือนเมืองใด",
            "date": "รัฐมนตรีเดินทางเยือนเมืองนี้เมื่อใด",
            "count": "มีชาวเมืองกี่คนเข้าร่วมการพบปะกับรัฐมนตรี",
            "company": "รัฐมนตรีเยี่ยมชมโรงงานของบริษัทใด",
            "person2": "ใครเป็นนายกเทศมนตรีของเมืองนี้",
        },
    },
    "festival": {
        "background": (
            "เทศกาลดนตรีประจำปีที่{city}เป็นหนึ่งในงานที่ใหญ่ที่สุดของปี",
            "บัตรเข้างานขายหมดภายในไม่กี่วัน",
            "ปีนี้เทศกาลจัดขึ้นสามวันบนเวที {num} เวที",
        ),
        "key": (
            "{person} เป็นศิลปินหลักของเทศกาลดนตรีที่{city} ซึ่งมีผู้เข้าชม {count} คน",
            "ผู้คนราว {count} คนมาร่วมงานเทศกาลที่{city} ซึ่ง {person} ขึ้นแสดงคอนเสิร์ตหลัก",
        ),
        "detail": (
            "เทศกาลนี้จัดขึ้นโดยได้รับการสนับสนุนจากบริษัท{company}",
            "คอนเสิร์ตปิดงานจัดขึ้นเมื่อวันที่ {date}",
            "{person2} ผู้อำนวยการเทศกาล กล่าวว่าโปรแกรมในปีหน้าจะยิ่งใหญ่กว่าเดิม",
        ),
        "summary": (
            "{person} ขึ้นแสดงหลักในเทศกาลดนตรีที่{city}",
            "เทศกาลดนตรีที่{city}ดึงดูดผู้ชม {count} คน",
        ),
        "questions": {
            "person": "ใครขึ้นแสดงคอนเสิร์ตหลักในเทศกาล",
            "city": "เทศกาลดนตรีจัดขึ้นที่ใด",
            "count": "มีผู้เข้าชมเทศกาลกี่คน",
            "company": "บริษัทใดสนับสนุนเทศกาล",
            "date": "คอนเสิร์ตปิดงานจัดขึ้นเมื่อใด",
            "person2": "ใครเป็นผู้อำนวยการเทศกาล",
            "num": "เทศกาลมีเวทีทั้งหมดกี่เวที",
        },
    },
    "storm": {
        "background": (
            "นักอุตุนิยมวิทยาเตือนเรื่องลมแรงและฝนตกหนักมาหลายวัน",
            "โรงเรียนใน{city}ปิดเร็วกว่าปกติเพื่อความปลอดภัย",
            "อุณหภูมิลดลงอย่างรวดเร็วในวันก่อนหน้า",
        ),
        "key": (
            "พายุรุนแรงพัดถล่ม{city}เมื่อวันที่ {date} ทำให้บ้านเรือน {count} หลังไม่มีไฟฟ้าใช้",
            "บ้านเรือนราว {count} หลังใน{city}ไม่มีไฟฟ้าใช้หลังพายุพัดถล่มเมื่อวันที่ {date}",
        ),
        "detail": (
            "ความเร็วลมสูงถึง {num} กิโลเมตรต่อชั่วโมง",
            "{person} นายกเทศมนตรี{city} ขอให้ประชาชนอยู่แต่ในบ้าน",
            "{person2} โฆษกหน่วยบริการฉุกเฉิน กล่าวว่าไม่มีผู้ได้รับบาดเจ็บสาหัส",
        ),
        "summary": (
            "พายุทำให้บ้าน {count} หลังใน{city}ไม่มีไฟฟ้าใช้",
            "พายุรุนแรงพัดถล่ม{city}",
        ),
        "questions": {
            "city": "พายุพัดถล่มเมืองใด",
            "count": "บ้านเรือนกี่หลังไม่มีไฟฟ้าใช้",
            "date": "พายุพัดถล่มเมื่อใด",
            "num": "ความเร็วลมสูงถึงกี่กิโลเมตรต่อชั่วโมง",
            "person": "ใครขอให้ประชาชนอยู่แต่ในบ้าน",
            "person2": "ใครกล่าวว่าไม่มีผู้ได้รับบาดเจ็บสาหัส",
        },
    },
    "election": {
        "background": (
            "ผู้มีสิทธิเลือกตั้งใน{city}ออกไปใช้สิทธิเมื่อวันที่ {date}",
            "มีผู้มาใช้สิทธิเลือกตั้งกว่า {count} คน",
            "การหาเสียงครั้งนี้มีประเด็นเรื่องที่อยู่อาศัยและระบบขนส่งสาธารณะเป็นหลัก",
        ),
        "key": (
            "{person} จากพรรค{party} ได้รับเลือกเป็นนายกเทศมนตรี{city} ด้วยคะแนนเสียง {num}",
            "{person} ผู้สมัครจากพรรค{party} ชนะการเลือกตั้งนายกเทศมนตรี{city} ด้วยคะแนนเสียง {num}",
        ),
        "detail": (
            "{person2} นายกเทศมนตรีที่กำลังจะพ้นตำแหน่ง แสดงความยินดีกับผู้ชนะ",
            "นายกเทศมนตรีคนใหม่จะเข้ารับตำแหน่งในเดือนหน้า",
            "{person} ให้คำมั่นว่าจะสร้างที่อยู่อาศัยราคาประหยัดเพิ่มขึ้น",
        ),
        "summary": (
            "{person} ได้รับเลือกเป็นนายกเทศมนตรี{city}",
            "พรรค{party}ชนะการเลือกตั้งนายกเทศมนตรี{city}",
        ),
        "questions": {
            "person": "ใครชนะการเลือกตั้งนายกเทศมนตรี",
            "city": "การเลือกตั้งจัดขึ้นที่เมืองใด",
            "party": "นายกเทศมนตรีคนใหม่สังกัดพรรคใด",
            "num": "ผู้ชนะได้รับคะแนนเสียงกี่เปอร์เซ็นต์",
            "count": "มีผู้มาใช้สิทธิเลือกตั้งกี่คน",
            "date": "การเลือกตั้งจัดขึ้นเมื่อใด",
            "person2": "ใครคือนายกเทศมนตรีที่กำลังจะพ้นตำแหน่ง",
        },
    },
}

_TEMPLATES["vi"] = {
    "marathon": {
        "background": (
            "Giải marathon thường niên tại {city} đã diễn ra vào ngày {date}.",
            "Năm nay có {count} vận động viên đến từ hơn bốn mươi quốc gia tham gia cuộc đua.",
            "Thời tiết nóng và gió mạnh khiến đường chạy trở nên khó khăn bất thường.",
        ),
        "key": (
            "{person} đã giành chiến thắng tại giải marathon {city} với thời gian {num}.",
            "Người chiến thắng giải marathon {city} là {person}, về đích với thời gian {num}.",
        ),
        "detail": (
            "{person2} về nhì, chỉ kém người chiến thắng chưa đầy một phút.",
            "Cuộc đua được tài trợ bởi công ty {company}.",
            "Ban tổ chức cho biết họ dự định mở rộng sự kiện vào năm sau.",
        ),
        "summary": (
            "{person} vô địch giải marathon {city}",
            "Chiến thắng của {person} tại giải marathon {city}",
        ),
        "questions": {
            "person": "Ai đã giành chiến thắng tại giải marathon?",
            "person2": "Ai về nhì trong giải marathon?",
            "city": "Giải marathon diễn ra ở thành phố nào?",
            "count": "Có bao nhiêu vận động viên tham gia giải marathon?",
            "date": "Giải marathon diễn ra khi nào?",
            "company": "Công ty nào đã tài trợ cho giải marathon?",
            "num": "Người chiến thắng về đích với thời gian bao nhiêu?",
        },
    },
    "factory": {
        "background": (
            "Khu vực quanh {city} nhiều năm nay phải đối mặt với tỷ lệ thất nghiệp cao.",
            "Nhu cầu về hàng công nghiệp đã tăng mạnh trong hai năm qua.",
            "Chính quyền địa phương đã đàm phán với các nhà đầu tư trong nhiều tháng.",
        ),
        "key": (
            "Công ty {company} đã khai trương một nhà máy mới tại {city} vào ngày {date}, tạo ra {count} việc làm.",
            "Vào ngày {date}, công ty {company} đã khai trương tại {city} một nhà máy mới sẽ tuyển dụng {count} người.",
        ),
        "detail": (
            "Tổng giám đốc {person} cho biết nhà máy sẽ đạt công suất tối đa vào năm sau.",
            "Thị trưởng {city} {person2} hoan nghênh khoản đầu tư này.",
            "Chi phí xây dựng nhà máy vào khoảng {num}.",
        ),
        "summary": (
            "Công ty {company} khai trương nhà máy mới tại {city}",
            "Công ty {company} tạo {count} việc làm tại {city}",
        ),
        "questions": {
            "company": "Công ty nào đã khai trương nhà máy mới?",
            "city": "Nhà máy mới được khai trương ở đâu?",
            "count": "Nhà máy mới sẽ tạo ra bao nhiêu việc làm?",
            "person": "Ai là tổng giám đốc của công ty?",
            "person2": "Ai đã hoan nghênh khoản đầu tư?",
            "date": "Nhà máy được khai trương khi nào?",
            "num": "Chi phí xây dựng nhà máy là bao nhiêu?",
        },
    },
    "minister": {
        "background": (
            "Chính phủ đã cam kết tăng đầu tư cho các địa phương trong năm nay.",
            "Người dân {city} nhiều năm nay kêu gọi xây dựng thêm trường học và bệnh viện mới.",
            "Chuyến thăm đã được lên kế hoạch từ nhiều tuần trước.",
        ),
        "key": (
            "{minister} {person} đã đến thăm {city} vào ngày {date}.",
            "Vào ngày {date}, {minister} {person} đã đến {city} để bắt đầu chuyến thăm kéo dài hai ngày.",
        ),
        "detail": (
            "Hơn {count} người dân đã đến dự buổi gặp mặt với bộ trưởng tại tòa thị chính.",
            "Bộ trưởng cũng đã đến thăm một nhà máy của công ty {company}.",
            "Thị trưởng {city} {person2} cho rằng chuyến thăm này rất quan trọng.",
        ),
        "summary": (
            "{minister} {person} thăm {city}",
            "{minister} {person} bắt đầu chuyến thăm hai ngày tới {city}",
        ),
        "questions": {
            "person": "Ai đã đến thăm thành phố?",
            "city": "Bộ trưởng đã đến thăm thành phố nào?",
            "date": "Bộ trưởng đến thăm thành phố khi nào?",
            "count": "Có bao nhiêu người dân đến dự buổi gặp mặt với bộ trưởng?",
            "company": "Bộ trưởng đã thăm nhà máy của công ty nào?",
            "person2": "Ai là thị trưởng của thành phố?",
        },
    },
    "festival": {
        "background": (
            "Lễ hội âm nhạc thường niên tại {city} là một trong những sự kiện lớn nhất trong năm.",
            "Vé tham dự đã được bán hết chỉ trong vài ngày.",
            "Năm nay lễ hội kéo dài ba ngày với {num} sân khấu.",
        ),
        "key": (
            "{person} là nghệ sĩ biểu diễn chính tại lễ hội âm nhạc {city}, sự kiện đã thu hút {count} khán giả.",
            "Khoảng {count} người đã đến lễ hội tại {city}, nơi {person} biểu diễn buổi hòa nhạc chính.",
        ),
        "detail": (
            "Lễ hội được tổ chức với sự hỗ trợ của công ty {company}.",
            "Buổi hòa nhạc bế mạc diễn ra vào ngày {date}.",
            "Giám đốc lễ hội {person2} cho biết chương trình năm sau sẽ còn quy mô hơn.",
        ),
        "summary": (
            "{person} biểu diễn chính tại lễ hội âm nhạc {city}",
            "Lễ hội âm nhạc {city} thu hút {count} khán giả",
        ),
        "questions": {
            "person": "Ai đã biểu diễn buổi hòa nhạc chính tại lễ hội?",
            "city": "Lễ hội âm nhạc được tổ chức ở đâu?",
            "count": "Có bao nhiêu khán giả đến lễ hội?",
            "company": "Công ty nào đã hỗ trợ lễ hội?",
            "date": "Buổi hòa nhạc bế mạc diễn ra khi nào?",
            "person2": "Ai là giám đốc lễ hội?",
            "num": "Lễ hội có bao nhiêu sân khấu?",
        },
    },
    "storm": {
        "background": (
            "Các nhà khí tượng đã cảnh báo về gió mạnh và mưa lớn trong nhiều ngày.",
            "Các trường học ở {city} đã cho học sinh nghỉ sớm để phòng ngừa.",
            "Nhiệt độ đã giảm mạnh vào ngày hôm trước.",
        ),
        "key": (
            "Một cơn bão mạnh đã đổ bộ vào {city} vào ngày {date}, khiến {count} hộ gia đình bị mất điện.",
            "Khoảng {count} hộ gia đình ở {city} đã bị mất điện sau cơn bão vào ngày {date}.",
        ),
        "detail": (
            "Sức gió đạt tới {num} km/giờ.",
            "Thị trưởng {city} {person} kêu gọi người dân ở yên trong nhà.",
            "{person2}, người phát ngôn của lực lượng cứu hộ, cho biết không có ai bị thương nặng.",
        ),
        "summary": (
            "Bão khiến {count} hộ gia đình ở {city} mất điện",
            "Bão mạnh đổ bộ vào {city}",
        ),
        "questions": {
            "city": "Cơn bão đã đổ bộ vào thành phố nào?",
            "count": "Có bao nhiêu hộ gia đình bị mất điện?",
            "date": "Cơn bão đổ bộ khi nào?",
            "num": "Sức gió đạt tới bao nhiêu km/giờ?",
            "person": "Ai đã kêu gọi người dân ở yên trong nhà?",
            "person2": "Ai cho biết không có ai bị thương nặng?",
        },
    },
    "election": {
        "background": (
            "Cử tri tại {city} đã đi bỏ phiếu vào ngày {date}.",
            "Hơn {count} người đã đi bỏ phiếu.",
            "Chiến dịch tranh cử tập trung vào các cuộc tranh luận về nhà ở và giao thông công cộng.",
        ),
        "key": (
            "{person} thuộc đảng {party} đã đắc cử thị trưởng {city} với {num} số phiếu.",
            "Ứng cử viên của đảng {party} {person} đã thắng cử thị trưởng {city} với {num} số phiếu bầu.",
        ),
        "detail": (
            "Thị trưởng mãn nhiệm {person2} đã chúc mừng người chiến thắng.",
            "Tân thị trưởng sẽ nhậm chức vào tháng tới.",
            "{person} cam kết xây dựng thêm nhà ở giá rẻ.",
        ),
        "summary": (
            "{person} đắc cử thị trưởng {city}",
            "Đảng {party} giành chiến thắng trong cuộc bầu cử thị trưởng {city}",
        ),
        "questions": {
            "person": "Ai đã thắng cử thị trưởng?",
            "city": "Cuộc bầu cử diễn ra ở thành phố nào?",
            "party": "Tân thị trưởng thuộc đảng nào?",
            "num": "Người chiến thắng nhận được bao nhiêu phần trăm số phiếu?",
            "count": "Có bao nhiêu người đã đi bỏ phiếu?",
            "date": "Cuộc bầu cử diễn ra khi nào?",
            "person2": "Ai là thị trưởng mãn nhiệm?",
        },
    },
}

_SENTENCE_KINDS = ("background", "key", "detail", "summary")
# The case forms a QA answer for a slot may take in the text, most canonical first.
_SLOT_FORMS = {"city": ("city", "city_acc", "city_loc", "city_gen")}
_ALTERNATIVE = re.compile(r"⟨(?:@(\w+):)?([^|⟩]*)\|([^⟩]*)⟩")
_FORMATTER = string.Formatter()


def _template_slots(template: str) -> frozenset[str]:
    """The slots a template mentions, case forms folded ({city_loc} -> city)."""
    names = {field.split("_")[0] for _, field, _, _ in _FORMATTER.parse(template) if field}
    return frozenset(names)


def _validate_templates() -> None:
    """Fail at import if a language's templates are not aligned with the English ones."""
    reference = _TEMPLATES["en"]
    for lang in DEMO_LANGUAGES:
        table = _TEMPLATES[lang]
        if set(table) != set(EVENT_TYPES):
            raise RuntimeError(f"demo world: {lang} templates cover {sorted(table)}")
        for event in EVENT_TYPES:
            for kind in _SENTENCE_KINDS:
                ours, theirs = table[event][kind], reference[event][kind]
                if len(ours) != len(theirs):
                    raise RuntimeError(f"demo world: {lang}/{event}/{kind} has {len(ours)} templates")
                for i, (a, b) in enumerate(zip(ours, theirs)):
                    if _template_slots(a) != _template_slots(b):
                        raise RuntimeError(f"demo world: {lang}/{event}/{kind}[{i}] slots differ from en")
            if set(table[event]["questions"]) != set(reference[event]["questions"]):
                raise RuntimeError(f"demo world: {lang}/{event} asks about other slots than en")
    for event in EVENT_TYPES:
        key_slots = [_template_slots(t) for t in reference[event]["key"]]
        for summary in reference[event]["summary"]:
            # A summary may only name what every key sentence states: it follows from the article.
            if not all(_template_slots(summary) <= slots for slots in key_slots):
                raise RuntimeError(f"demo world: {event} summary {summary!r} names slots the key lacks")


_validate_templates()

# Slots each English template mentions (aligned languages mention the same ones).
_SLOTS_OF = {
    event: {kind: tuple(_template_slots(t) for t in _TEMPLATES["en"][event][kind]) for kind in _SENTENCE_KINDS}
    for event in EVENT_TYPES
}


# ---------------------------------------------------------------------------------------
# Drawing structures (language-independent) and rendering them in one language.
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Slots:
    person: tuple[int, int]  # (first-name index, surname index)
    person2: tuple[int, int]
    city: int
    company: int
    party: int
    minister: int
    count: int
    num: int
    date: tuple[int, int]  # (day, month index)


@dataclass(frozen=True)
class _Article:
    event: str
    slots: _Slots
    plan: tuple[tuple[str, int], ...]  # (kind, template index) per sentence, in order


def _rng(seed: int, *purpose: str) -> random.Random:
    """An independent generator for one purpose; stable across processes and platforms."""
    text = "\x1f".join((str(seed),) + purpose).encode("utf-8")
    return random.Random(int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big"))


def _draw_slots(rng: random.Random, event: str) -> _Slots:
    n_first, n_sur = len(_FIRST_NAMES["en"]), len(_SURNAMES["en"])
    first, sur = rng.randrange(n_first), rng.randrange(n_sur)
    # The second person differs in both names, so "who" answers are never confusable.
    first2 = rng.choice([i for i in range(n_first) if i != first])
    sur2 = rng.choice([i for i in range(n_sur) if i != sur])
    lo, hi, step = _EVENT_NUMBERS[event]["count"]
    _, nlo, nhi, nstep = _EVENT_NUMBERS[event]["num"]
    return _Slots(
        person=(first, sur),
        person2=(first2, sur2),
        city=rng.randrange(len(_CITIES["en"])),
        company=rng.randrange(len(_COMPANIES["en"])),
        party=rng.randrange(len(_PARTIES["en"])),
        minister=rng.randrange(len(_MINISTERS["en"])),
        count=rng.randint(lo, hi) * step,
        num=rng.randint(nlo, nhi) * nstep,
        date=(rng.randint(1, 28), rng.randrange(12)),
    )


# Share of articles whose key sentence comes first; the rest open with background.
_KEY_FIRST_RATE = 0.15


def _draw_article(rng: random.Random) -> _Article:
    """3-5 sentences: background before the key sentence (usually at position 1-3), details after."""
    event = rng.choice(EVENT_TYPES)
    slots = _draw_slots(rng, event)
    n_sentences = rng.choice((3, 4, 4, 5, 5))
    n_background = len(_TEMPLATES["en"][event]["background"])
    n_detail = len(_TEMPLATES["en"][event]["detail"])
    if rng.random() < _KEY_FIRST_RATE:
        key_pos = 0
    else:
        key_pos = rng.randint(1, min(n_background, n_sentences - 1))
    n_after = min(n_sentences - 1 - key_pos, n_detail)
    background = sorted(rng.sample(range(n_background), key_pos))
    details = sorted(rng.sample(range(n_detail), n_after))
    key = rng.randrange(len(_TEMPLATES["en"][event]["key"]))
    plan = (
        tuple(("background", i) for i in background)
        + (("key", key),)
        + tuple(("detail", i) for i in details)
    )
    return _Article(event, slots, plan)


def _person_name(lang: str, first: int, sur: int) -> str:
    given = _FIRST_NAMES[lang][first]
    surname = _SURNAMES[lang][sur]
    if isinstance(surname, tuple):
        surname = surname[0] if first >= _N_FEMALE else surname[1]
    if lang == "zh":
        return surname + given
    if lang == "vi":
        return f"{surname} {given}"
    return f"{given} {surname}"


def _gendered(value, female: bool) -> str:
    return value[1 if female else 0] if isinstance(value, tuple) else value


def _values(lang: str, event: str, slots: _Slots) -> dict[str, str]:
    """Every slot (and case form) of `slots` as it is written in `lang`."""
    female = slots.person[0] < _N_FEMALE
    city = _CITIES[lang][slots.city]
    city_forms = city if isinstance(city, tuple) else (city,) * 4
    kind = _EVENT_NUMBERS[event]["num"][0]
    return {
        "person": _person_name(lang, *slots.person),
        "person2": _person_name(lang, *slots.person2),
        "city": city_forms[0],
        "city_loc": city_forms[1],
        "city_gen": city_forms[2],
        "city_acc": city_forms[3],
        "company": _COMPANIES[lang][slots.company],
        "party": _PARTIES[lang][slots.party],
        "minister": _gendered(_MINISTERS[lang][slots.minister], female),
        "count": _format_count(lang, slots.count),
        "num": _format_num(lang, kind, slots.num),
        "date": _format_date(lang, *slots.date),
    }


def _render(lang: str, template: str, values: dict[str, str], slots: _Slots) -> str:
    """Resolve gender alternatives, fill the slots, capitalize the first letter."""
    genders = {"person": slots.person[0] < _N_FEMALE, "person2": slots.person2[0] < _N_FEMALE}

    def pick(match: re.Match) -> str:
        female = genders[match.group(1) or "person"]
        return match.group(3) if female else match.group(2)

    text = _ALTERNATIVE.sub(pick, template).format_map(values)
    if lang in _CASED and text[:1].islower():
        text = text[0].upper() + text[1:]
    return unicodedata.normalize("NFC", text)


def _join(lang: str, sentences: list[str]) -> str:
    return _SENTENCE_JOINER.get(lang, " ").join(sentences)


def _render_article(lang: str, article: _Article) -> str:
    values = _values(lang, article.event, article.slots)
    table = _TEMPLATES[lang][article.event]
    return _join(lang, [_render(lang, table[kind][i], values, article.slots) for kind, i in article.plan])


def _article_slots(article: _Article) -> frozenset[str]:
    found: set[str] = set()
    for kind, i in article.plan:
        found |= _SLOTS_OF[article.event][kind][i]
    return frozenset(found)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char).startswith("M")


def _occurs(lang: str, span: str, text: str) -> bool:
    """Whether `span` occurs in `text` as whole words (as a substring for zh and th)."""
    if lang in ("zh", "th"):
        return span in text
    start = text.find(span)
    while start != -1:
        end = start + len(span)
        if (start == 0 or not _is_word_char(text[start - 1])) and (
            end == len(text) or not _is_word_char(text[end])
        ):
            return True
        start = text.find(span, start + 1)
    return False


def _answer_span(lang: str, values: dict[str, str], slot: str, context: str) -> str:
    """The slot's value exactly as the context writes it (Russian: whichever case form)."""
    for key in _SLOT_FORMS.get(slot, (slot,)):
        if _occurs(lang, values[key], context):
            return values[key]
    raise RuntimeError(f"demo world bug: no {slot!r} answer span in {lang} context {context!r}")


# ---------------------------------------------------------------------------------------
# Task splits, unlabeled text, parallel text.
# ---------------------------------------------------------------------------------------


def _draw_split_structures(seed: int, task: str, sizes: dict[str, int]) -> dict[str, list[tuple[_Article, object]]]:
    """Per split, (article, extra) pairs: extra is the summary index or the QA slot.

    Draws depend on the seed, the task and the split, never on the language, so every
    language's split is a translation of every other's. The same facts never appear in two
    splits (nor twice in one), so test articles are unseen in training.
    """
    seen: set[tuple[str, _Slots]] = set()
    out: dict[str, list[tuple[_Article, object]]] = {}
    for split in SPLITS:
        rng = _rng(seed, task, split)
        items: list[tuple[_Article, object]] = []
        attempts = 0
        while len(items) < sizes[split]:
            attempts += 1
            if attempts > 100 * sizes[split] + 1000:
                raise RuntimeError(f"demo world: cannot draw {sizes[split]} distinct {task} {split} articles")
            article = _draw_article(rng)
            if task == "summarization":
                extra: object = rng.randrange(len(_TEMPLATES["en"][article.event]["summary"]))
            else:
                present = _article_slots(article)
                askable = [s for s in _TEMPLATES["en"][article.event]["questions"] if s in present]
                extra = rng.choice(askable)
            key = (article.event, article.slots)
            if key in seen:
                continue
            seen.add(key)
            items.append((article, extra))
        out[split] = items
    return out


def _summarization_record(lang: str, split: str, i: int, article: _Article, summary: int) -> dict:
    values = _values(lang, article.event, article.slots)
    template = _TEMPLATES[lang][article.event]["summary"][summary]
    return {
        "id": f"summarization-{lang}-{split}-{i:05d}",
        "lang": lang,
        "source": _render_article(lang, article),
        "target": _render(lang, template, values, article.slots),
    }


def _qa_record(lang: str, split: str, i: int, article: _Article, slot: str) -> dict:
    values = _values(lang, article.event, article.slots)
    context = _render_article(lang, article)
    question = _render(lang, _TEMPLATES[lang][article.event]["questions"][slot], values, article.slots)
    answer = _answer_span(lang, values, slot, context)
    return {
        "id": f"qa-{lang}-{split}-{i:05d}",
        "lang": lang,
        "context": context,
        "question": question,
        "answers": [answer],
        "source": qa_source(question, context),
        "target": answer,
    }


def _random_sentence(rng: random.Random, langs: tuple[str, ...]) -> tuple[str, ...]:
    """One random sentence, headline or question, rendered in each of `langs` (aligned)."""
    event = rng.choice(EVENT_TYPES)
    slots = _draw_slots(rng, event)
    kind = rng.choices(("background", "key", "detail", "summary", "question"), weights=(3, 3, 3, 3, 1))[0]
    if kind == "question":
        slot = rng.choice(sorted(_TEMPLATES["en"][event]["questions"]))
        templates = [_TEMPLATES[lang][event]["questions"][slot] for lang in langs]
    else:
        i = rng.randrange(len(_TEMPLATES["en"][event][kind]))
        templates = [_TEMPLATES[lang][event][kind][i] for lang in langs]
    return tuple(
        _render(lang, template, _values(lang, event, slots), slots) for lang, template in zip(langs, templates)
    )


def _unlabeled_lines(seed: int, lang: str, n: int) -> list[str]:
    """Same-domain text: whole articles, single sentences, headlines and questions."""
    rng = _rng(seed, "unlabeled", lang)
    lines = []
    for _ in range(n):
        if rng.random() < 0.35:
            lines.append(_render_article(lang, _draw_article(rng)))
        else:
            lines.append(_random_sentence(rng, (lang,))[0])
    return lines


def _parallel_records(seed: int, lang: str, n: int) -> list[dict]:
    rng = _rng(seed, "parallel", lang)
    records = []
    for i in range(n):
        english, target = _random_sentence(rng, ("en", lang))
        records.append({
            "id": f"parallel-en-{lang}-{i:05d}",
            "source_lang": "en",
            "target_lang": lang,
            "source": english,
            "target": target,
        })
    return records


_PHRASE_SLOTS = ("person", "city", "company", "party", "minister", "count", "num", "date")


def _phrase_records(seed: int, lang: str, n: int) -> list[dict]:
    """Aligned phrase pairs (a name, a city, a date, a number: what QA answers are), the
    short segments an MT system also learns from, so that it translates an answer span alone."""
    rng = _rng(seed, "phrases", lang)
    records = []
    for i in range(n):
        event = rng.choice(EVENT_TYPES)
        slots = _draw_slots(rng, event)
        slot = rng.choice(_PHRASE_SLOTS)
        records.append({
            "id": f"phrase-en-{lang}-{i:05d}",
            "source_lang": "en",
            "target_lang": lang,
            "source": _values("en", event, slots)[slot],
            "target": _values(lang, event, slots)[slot],
        })
    return records


def _write_text(path: Path, lines: list[str]) -> Path:
    """Write lines atomically (xlgen.io.atomic_path: a temp file beside `path`, then
    os.replace), with the mode a plain open() gives rather than mkstemp's 0o600."""
    from xlgen.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        for line in lines:
            handle.write(line + "\n")
    return path


def _write_jsonl(path: Path, records: list[dict]) -> Path:
    return _write_text(path, [json.dumps(record, ensure_ascii=False) for record in records])


def _check_arguments(languages: list[str], sizes: dict[str, int]) -> list[str]:
    if isinstance(languages, str):
        raise ValueError(f"languages must be a list of codes, not the string {languages!r}")
    unknown = [lang for lang in languages if lang not in DEMO_LANGUAGES]
    if unknown:
        raise ValueError(
            f"demo world has no templates for language(s) {', '.join(map(repr, unknown))}; "
            f"supported: {', '.join(DEMO_LANGUAGES)}"
        )
    if not languages:
        raise ValueError(f"languages is empty; supported: {', '.join(DEMO_LANGUAGES)}")
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return list(dict.fromkeys(languages))  # drop repeats, keep order


def write_demo_world(
    out_root: str | Path,
    languages: list[str],
    seed: int,
    *,
    n_train: int,
    n_dev: int,
    n_test: int,
    n_unlabeled: int,
    n_parallel: int,
) -> list[Path]:
    """Writes the whole world under out_root and returns the paths written (sorted).

    Layout: summarization/{lang}/{split}.jsonl and qa/{lang}/{split}.jsonl (split sizes per
    language and task), unlabeled/{lang}.txt (n_unlabeled lines), parallel/en-{lang}.jsonl
    and parallel/en-{lang}.phrases.jsonl (n_parallel aligned phrases: names, places, dates,
    numbers) for every non-English language (n_parallel pairs). The same seed gives byte-identical
    files; an unknown language raises ValueError before anything is written.
    """
    sizes = {"n_train": n_train, "n_dev": n_dev, "n_test": n_test,
             "n_unlabeled": n_unlabeled, "n_parallel": n_parallel}
    languages = _check_arguments(languages, sizes)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    root = Path(out_root)
    split_sizes = {"train": n_train, "dev": n_dev, "test": n_test}
    written: list[Path] = []

    summarization = _draw_split_structures(seed, "summarization", split_sizes)
    qa = _draw_split_structures(seed, "qa", split_sizes)
    for lang in languages:
        for split in SPLITS:
            records = [_summarization_record(lang, split, i, a, s) for i, (a, s) in enumerate(summarization[split])]
            written.append(_write_jsonl(root / "summarization" / lang / f"{split}.jsonl", records))
            records = [_qa_record(lang, split, i, a, s) for i, (a, s) in enumerate(qa[split])]
            written.append(_write_jsonl(root / "qa" / lang / f"{split}.jsonl", records))
        written.append(_write_text(root / "unlabeled" / f"{lang}.txt", _unlabeled_lines(seed, lang, n_unlabeled)))
        if lang != "en":
            written.append(_write_jsonl(root / "parallel" / f"en-{lang}.jsonl", _parallel_records(seed, lang, n_parallel)))
            written.append(_write_jsonl(root / "parallel" / f"en-{lang}.phrases.jsonl",
                                        _phrase_records(seed, lang, n_parallel)))
    return sorted(written)
