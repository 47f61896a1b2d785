"""Demo data for Tanggap: Kota Kupang, Nusa Tenggara Timur (WITA, Asia/Makassar).

Pure data module: standard library only, no side effects at import time.
All user-facing text is in Bahasa Indonesia. People are fictional; agency
names, kecamatan, kelurahan and street names are those of Kota Kupang.
Coordinates are approximate centroids inside the city limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = [
    "ADMINS",
    "CATEGORIES",
    "CITY_NAME",
    "DISPATCHERS",
    "HR_STAFF",
    "KECAMATAN",
    "KELURAHAN",
    "OPDS",
    "REJECT_REASONS",
    "REOPEN_REASONS",
    "RESPONSE_TEXTS",
    "RETURN_REASONS",
    "STREETS",
    "SUPERVISORS",
    "TIMEZONE",
    "DemoCategory",
    "DemoOpd",
    "DemoPerson",
    "Kelurahan",
]


# ---------------------------------------------------------------------------
# Types
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPerson:
    """A demo user. ``username`` is lowercase ASCII, unique across the module."""

    username: str
    full_name: str


@dataclass(frozen=True)
class DemoOpd:
    """Organisasi Perangkat Daerah (city agency) that handles complaints."""

    code: str
    name: str
    short_name: str
    head: DemoPerson
    officers: tuple[DemoPerson, ...]
    is_24_7: bool


@dataclass(frozen=True)
class DemoCategory:
    """Complaint category with routing keywords and sample citizen reports."""

    code: str
    name: str
    description: str
    opd_code: str
    keywords: tuple[str, ...]
    urgent: bool
    descriptions: tuple[str, ...]
    # Metres within which two reports with alike photos may be one problem (see cv.duplicates).
    duplicate_radius_m: float = 50.0


@dataclass(frozen=True)
class Kelurahan:
    """Kelurahan (urban village) with an approximate centroid."""

    name: str
    kecamatan: str
    lat: float
    lon: float


# ---------------------------------------------------------------------------
# City
# ---------------------------------------------------------------------------

CITY_NAME: Final[str] = "Kota Kupang"
TIMEZONE: Final[str] = "Asia/Makassar"

KECAMATAN: tuple[str, ...] = (
    "Alak",
    "Maulafa",
    "Oebobo",
    "Kelapa Lima",
    "Kota Raja",
    "Kota Lama",
)


# ---------------------------------------------------------------------------
# OPD (city agencies)
# ---------------------------------------------------------------------------

OPDS: tuple[DemoOpd, ...] = (
    DemoOpd(
        code="PUPR",
        name="Dinas Pekerjaan Umum dan Penataan Ruang",
        short_name="Dinas PUPR",
        head=DemoPerson("pupr.benyamin", "Benyamin Lenggu"),
        officers=(
            DemoPerson("pupr.yohanes", "Yohanes Benu"),
            DemoPerson("pupr.frans", "Frans Lado"),
            DemoPerson("pupr.ronald", "Ronald Bessie"),
            DemoPerson("pupr.agustina", "Agustina Ndun"),
        ),
        is_24_7=False,
    ),
    DemoOpd(
        code="DLHK",
        name="Dinas Lingkungan Hidup dan Kebersihan",
        short_name="DLHK",
        head=DemoPerson("dlhk.orpa", "Orpa Pellokila"),
        officers=(
            DemoPerson("dlhk.yosef", "Yosef Tefa"),
            DemoPerson("dlhk.ester", "Ester Manafe"),
            DemoPerson("dlhk.marthen", "Marthen Nenabu"),
        ),
        is_24_7=False,
    ),
    DemoOpd(
        code="DISHUB",
        name="Dinas Perhubungan",
        short_name="Dishub",
        head=DemoPerson("dishub.ernest", "Ernest Ludji"),
        officers=(
            DemoPerson("dishub.melkianus", "Melkianus Nalle"),
            DemoPerson("dishub.imelda", "Imelda Dethan"),
            DemoPerson("dishub.daud", "Daud Pandie"),
        ),
        is_24_7=False,
    ),
    DemoOpd(
        code="PERKIM",
        name="Dinas Perumahan dan Kawasan Permukiman",
        short_name="Dinas Perkim",
        head=DemoPerson("perkim.yunus", "Yunus Riwu"),
        officers=(
            DemoPerson("perkim.petrus", "Petrus Ratu"),
            DemoPerson("perkim.serlina", "Serlina Amalo"),
            DemoPerson("perkim.aleksander", "Aleksander Foenay"),
        ),
        is_24_7=False,
    ),
    DemoOpd(
        code="BPBD",
        name="Badan Penanggulangan Bencana Daerah",
        short_name="BPBD",
        head=DemoPerson("bpbd.dominggus", "Dominggus Bria"),
        officers=(
            DemoPerson("bpbd.welhelmus", "Welhelmus Seran"),
            DemoPerson("bpbd.debora", "Debora Tanone"),
            DemoPerson("bpbd.jefri", "Jefri Nahak"),
            DemoPerson("bpbd.novi", "Novi Sinlae"),
        ),
        is_24_7=True,
    ),
    DemoOpd(
        code="SATPOLPP",
        name="Satuan Polisi Pamong Praja",
        short_name="Satpol PP",
        head=DemoPerson("satpolpp.stefanus", "Stefanus Kase"),
        officers=(
            DemoPerson("satpolpp.gerson", "Gerson Toelle"),
            DemoPerson("satpolpp.yulianti", "Yulianti Adoe"),
            DemoPerson("satpolpp.hendrik", "Hendrik Mauko"),
        ),
        is_24_7=False,
    ),
    DemoOpd(
        code="DINKES",
        name="Dinas Kesehatan",
        short_name="Dinkes",
        head=DemoPerson("dinkes.maria", "Maria Fanggidae"),
        officers=(
            DemoPerson("dinkes.christina", "Christina Haning"),
            DemoPerson("dinkes.antonius", "Antonius Bire"),
        ),
        is_24_7=False,
    ),
    DemoOpd(
        code="DINSOS",
        name="Dinas Sosial",
        short_name="Dinsos",
        head=DemoPerson("dinsos.lukas", "Lukas Messakh"),
        officers=(
            DemoPerson("dinsos.naomi", "Naomi Kana"),
            DemoPerson("dinsos.simon", "Simon Tamonob"),
        ),
        is_24_7=False,
    ),
    DemoOpd(
        code="KOMINFO",
        name="Dinas Komunikasi dan Informatika",
        short_name="Diskominfo",
        head=DemoPerson("kominfo.rudolf", "Rudolf Liu"),
        officers=(
            DemoPerson("kominfo.vinsensius", "Vinsensius Ledo"),
            DemoPerson("kominfo.sarlota", "Sarlota Dima"),
        ),
        is_24_7=False,
    ),
    DemoOpd(
        code="PDAM",
        name="Perumda Air Minum Tirta Lontar",
        short_name="PDAM",
        head=DemoPerson("pdam.obaja", "Obaja Nope"),
        officers=(
            DemoPerson("pdam.yakobus", "Yakobus Tallo"),
            DemoPerson("pdam.ribka", "Ribka Lay"),
            DemoPerson("pdam.kornelis", "Kornelis Zakarias"),
        ),
        is_24_7=False,
    ),
    DemoOpd(
        code="DAMKAR",
        name="Dinas Pemadam Kebakaran dan Penyelamatan",
        short_name="Damkar",
        head=DemoPerson("damkar.paulus", "Paulus Kolo"),
        officers=(
            DemoPerson("damkar.arnoldus", "Arnoldus Taek"),
            DemoPerson("damkar.selvianus", "Selvianus Bani"),
            DemoPerson("damkar.kristofel", "Kristofel Neno"),
        ),
        is_24_7=True,
    ),
)


# ---------------------------------------------------------------------------
# Internal staff
# ---------------------------------------------------------------------------

DISPATCHERS: tuple[DemoPerson, ...] = (
    DemoPerson("dispatch.yuliana", "Yuliana Rihi"),
    DemoPerson("dispatch.fransiskus", "Fransiskus Manek"),
)

SUPERVISORS: tuple[DemoPerson, ...] = (
    DemoPerson("spv.elisabeth", "Elisabeth Wadu"),
    DemoPerson("spv.markus", "Markus Boimau"),
)

HR_STAFF: tuple[DemoPerson, ...] = (
    DemoPerson("hr.theresia", "Theresia Laga"),
    DemoPerson("hr.nikolaus", "Nikolaus Sabu"),
)

ADMINS: tuple[DemoPerson, ...] = (DemoPerson("admin.imanuel", "Imanuel Pah"),)


# ---------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------

KELURAHAN: tuple[Kelurahan, ...] = (
    # Kecamatan Alak
    Kelurahan("Alak", "Alak", -10.1785, 123.5525),
    Kelurahan("Namosain", "Alak", -10.1665, 123.5560),
    Kelurahan("Nunbaun Sabu", "Alak", -10.1715, 123.5640),
    Kelurahan("Penkase Oeleta", "Alak", -10.1850, 123.5500),
    Kelurahan("Manulai II", "Alak", -10.1935, 123.5700),
    Kelurahan("Batuplat", "Alak", -10.1900, 123.5800),
    Kelurahan("Fatufeto", "Alak", -10.1680, 123.5705),
    # Kecamatan Maulafa
    Kelurahan("Sikumana", "Maulafa", -10.1990, 123.6040),
    Kelurahan("Penfui", "Maulafa", -10.1800, 123.6450),
    Kelurahan("Naikolan", "Maulafa", -10.1880, 123.6170),
    Kelurahan("Kolhua", "Maulafa", -10.2050, 123.6200),
    Kelurahan("Belo", "Maulafa", -10.2100, 123.6150),
    Kelurahan("Fatukoa", "Maulafa", -10.2200, 123.6000),
    Kelurahan("Oepura", "Maulafa", -10.1850, 123.5950),
    Kelurahan("Naimata", "Maulafa", -10.1800, 123.6300),
    # Kecamatan Oebobo
    Kelurahan("Oebobo", "Oebobo", -10.1700, 123.6030),
    Kelurahan("Fatululi", "Oebobo", -10.1660, 123.6110),
    Kelurahan("Oetete", "Oebobo", -10.1640, 123.5990),
    Kelurahan("Kayu Putih", "Oebobo", -10.1605, 123.6135),
    Kelurahan("Liliba", "Oebobo", -10.1670, 123.6320),
    Kelurahan("Oebufu", "Oebobo", -10.1740, 123.6120),
    # Kecamatan Kelapa Lima
    Kelurahan("Kelapa Lima", "Kelapa Lima", -10.1480, 123.6140),
    Kelurahan("Oesapa", "Kelapa Lima", -10.1460, 123.6330),
    Kelurahan("Oesapa Barat", "Kelapa Lima", -10.1480, 123.6250),
    Kelurahan("Oesapa Selatan", "Kelapa Lima", -10.1560, 123.6300),
    Kelurahan("Lasiana", "Kelapa Lima", -10.1430, 123.6500),
    # Kecamatan Kota Raja
    Kelurahan("Kuanino", "Kota Raja", -10.1700, 123.5880),
    Kelurahan("Naikoten I", "Kota Raja", -10.1690, 123.5940),
    Kelurahan("Fontein", "Kota Raja", -10.1660, 123.5830),
    Kelurahan("Bakunase", "Kota Raja", -10.1790, 123.5880),
    Kelurahan("Airnona", "Kota Raja", -10.1760, 123.5940),
    # Kecamatan Kota Lama
    Kelurahan("Lahi Lai Bissi Kopan (LLBK)", "Kota Lama", -10.1600, 123.5790),
    Kelurahan("Merdeka", "Kota Lama", -10.1590, 123.5840),
    Kelurahan("Solor", "Kota Lama", -10.1575, 123.5865),
    Kelurahan("Fatubesi", "Kota Lama", -10.1560, 123.5930),
    Kelurahan("Oeba", "Kota Lama", -10.1540, 123.5990),
    Kelurahan("Pasir Panjang", "Kota Lama", -10.1520, 123.6060),
)

STREETS: tuple[str, ...] = (
    "Jl. El Tari",
    "Jl. Timor Raya",
    "Jl. Frans Seda",
    "Jl. W.J. Lalamentik",
    "Jl. Jend. Sudirman",
    "Jl. Jend. Soeharto",
    "Jl. Adisucipto",
    "Jl. Piet A. Tallo",
    "Jl. Perintis Kemerdekaan",
    "Jl. Cak Doko",
    "Jl. Moh. Hatta",
    "Jl. Ahmad Yani",
    "Jl. Siliwangi",
    "Jl. Urip Sumoharjo",
    "Jl. Prof. Dr. Herman Johannes",
    "Jl. H.R. Koroh",
    "Jl. Kelimutu",
    "Jl. Alfons Nisnoni",
    "Jl. Fetor Funay",
    "Jl. Thamrin",
    "Jl. Samratulangi",
    "Jl. Kartini",
    "Jl. Suprapto",
    "Jl. Tompello",
    "Jl. Bajawa",
    "Jl. Amabi",
    "Jl. S.K. Lerik",
)


# ---------------------------------------------------------------------------
# Categories
# ---------------------------------------------------------------------------

CATEGORIES: tuple[DemoCategory, ...] = (
    DemoCategory(
        code="jalan-rusak",
        name="Jalan rusak/berlubang",
        description="Kerusakan badan jalan kota: lubang, aspal terkelupas, retak atau amblas.",
        opd_code="PUPR",
        keywords=(
            "jalan rusak",
            "berlubang",
            "lubang",
            "aspal",
            "amblas",
            "jalan retak",
            "tambal",
        ),
        urgent=False,
        descriptions=(
            "Jalan di Jl. Piet A. Tallo, Liliba, berlubang besar, sudah dua motor jatuh minggu ini. Mohon segera ditambal.",
            "Aspal di Jl. Moh. Hatta depan SD Inpres Oetete terkelupas dan berlubang, kalau hujan lubangnya tidak kelihatan. Bahaya untuk anak sekolah.",
            "Ada lubang dalam di tengah Jl. Fetor Funay, Kelurahan Kolhua. Pengendara malam hari sering tidak lihat karena gelap.",
            "Jalan masuk ke Kelurahan Fatukoa rusak parah, aspal hancur tinggal batu. Bemo dan pick up susah lewat, su hampir satu tahun begini.",
            "Jalan di Jl. Kelimutu amblas sebagian, retaknya makin lebar setelah hujan kemarin.",
            "Bekas galian pipa di Jl. Jend. Soeharto, Naikoten I, tidak ditutup dengan benar. Sekarang jadi lubang dan berdebu.",
            "Lubang-lubang di Jl. Adisucipto arah Penfui makin banyak. Mohon ditambal sebelum musim hujan, banyak mahasiswa Undana lewat sini.",
        ),
    ),
    DemoCategory(
        code="trotoar-rusak",
        name="Trotoar rusak",
        description="Trotoar/jalur pejalan kaki rusak, paving lepas, penutup saluran di trotoar terbuka.",
        opd_code="PUPR",
        keywords=("trotoar", "pedestrian", "paving", "pejalan kaki", "jalur difabel"),
        urgent=False,
        descriptions=(
            "Trotoar di Jl. El Tari depan Kantor Gubernur banyak paving yang lepas, pejalan kaki harus turun ke jalan.",
            "Penutup beton di trotoar Jl. Jend. Sudirman, Kuanino, pecah dan berlubang. Kemarin ada ibu-ibu kakinya terperosok.",
            "Trotoar di Jl. W.J. Lalamentik, Oebobo, retak dan miring, susah dilewati pengguna kursi roda.",
            "Jalur pejalan kaki di Jl. Timor Raya, Pasir Panjang, tertimbun pasir dan paving bergelombang. Mohon diperbaiki.",
            "Trotoar depan sekolah di Jl. Suprapto rusak, ubin pemandu difabel banyak yang copot.",
            "Trotoar di Jl. Frans Seda, Fatululi, ambles sekitar 3 meter, ada besi tulangan yang menonjol keluar.",
        ),
    ),
    DemoCategory(
        code="drainase-tersumbat",
        name="Drainase/selokan tersumbat",
        description="Saluran drainase, got atau gorong-gorong tersumbat, meluap atau rusak.",
        opd_code="PUPR",
        keywords=(
            "drainase",
            "selokan",
            "got",
            "gorong-gorong",
            "saluran tersumbat",
            "tersumbat",
            "meluap",
        ),
        urgent=False,
        descriptions=(
            "Selokan di Jl. Perintis Kemerdekaan, Kayu Putih, tersumbat sampah plastik dan lumpur. Setiap hujan air naik ke jalan.",
            "Gorong-gorong di bawah Jl. Cak Doko dekat Pasar Oebobo tertutup tanah, air tidak bisa mengalir.",
            "Got di Gang RT 12 Kelurahan Oebufu sudah penuh lumpur, bau dan banyak nyamuk. Mohon dikeruk.",
            "Saluran drainase di Jl. Amabi, Oebufu, jebol dindingnya sehingga air masuk ke pekarangan warga.",
            "Saluran di samping Jl. Ahmad Yani, Merdeka, tertutup beton oleh pemilik toko, air hujan meluap ke badan jalan.",
            "Drainase di Jl. Thamrin, Oebobo, meluap setiap hujan deras, membawa sampah ke jalan.",
            "Got di depan Puskesmas Sikumana tersumbat, air tergenang dan berwarna hitam, sudah dua minggu.",
        ),
    ),
    DemoCategory(
        code="jembatan-rusak",
        name="Jembatan rusak",
        description="Kerusakan jembatan atau oprit jembatan dalam kota: pagar, lantai, pondasi.",
        opd_code="PUPR",
        keywords=("jembatan", "oprit", "pagar jembatan", "lantai jembatan", "gelagar"),
        urgent=False,
        descriptions=(
            "Pagar pengaman Jembatan Liliba sebagian hilang dan bengkok, bahaya untuk pejalan kaki malam hari.",
            "Oprit jembatan kecil di Kelurahan Naikolan turun sekitar 10 cm, kendaraan harus pelan sekali.",
            "Jembatan penghubung RT 05 dan RT 07 di Kelurahan Belo lantainya berlubang, anak sekolah takut lewat.",
            "Pondasi jembatan di atas Kali Dendeng, Fontein, terkikis air banjir. Mohon dicek sebelum roboh.",
            "Lantai jembatan kecil di Jl. Adisucipto arah Penfui berlubang di sisi kiri, besi terlihat. Motor sering hampir jatuh.",
            "Jembatan di Jl. Bajawa, Fatululi, retak di bagian sambungan dan bergetar kalau truk lewat.",
        ),
    ),
    DemoCategory(
        code="sampah-menumpuk",
        name="Sampah menumpuk",
        description="Sampah tidak diangkut, TPS penuh, pembuangan sampah liar atau pembakaran sampah.",
        opd_code="DLHK",
        keywords=(
            "sampah",
            "tps",
            "tidak diangkut",
            "kontainer",
            "bau busuk",
            "buang sampah",
            "dump truck",
        ),
        urgent=False,
        duplicate_radius_m=75.0,
        descriptions=(
            "Sampah di TPS dekat Pasar Oeba sudah 2 minggu tidak diangkut, bau busuk sampai ke rumah warga dan banyak lalat.",
            "Kontainer sampah di Jl. Tompello, Kuanino, sudah penuh dan sampah berserakan ke jalan. Mohon segera diangkut.",
            "Ada pembuangan sampah liar di lahan kosong belakang SD Inpres Oesapa Selatan. Setiap malam orang buang sampah di sini.",
            "Truk sampah su seminggu sonde datang ke RT 09 Kelurahan Liliba. Sampah rumah tangga menumpuk di pinggir jalan.",
            "Tumpukan sampah di pinggir Pantai Pasir Panjang dekat tempat jualan ikan bakar, bau dan merusak pemandangan.",
            "Warga membakar sampah plastik setiap sore di Kelurahan Sikumana, asapnya masuk ke rumah, anak-anak batuk.",
            "TPS di Jl. Alfons Nisnoni, Airnona, meluber sampai menutup separuh jalan. Anjing liar membongkar kantong sampah.",
            "Sampah kiriman menumpuk di muara Kali Dendeng, Kelurahan LLBK, setelah hujan, perlu dibersihkan.",
        ),
    ),
    DemoCategory(
        code="pohon-tumbang",
        name="Pohon tumbang",
        description="Pohon tumbang, roboh atau dahan patah yang menghalangi jalan atau membahayakan warga.",
        opd_code="DLHK",
        keywords=(
            "pohon tumbang",
            "tumbang",
            "pohon roboh",
            "dahan",
            "ranting",
            "pohon miring",
        ),
        urgent=True,
        duplicate_radius_m=100.0,
        descriptions=(
            "Pohon besar tumbang menutup Jl. Jend. Sudirman, Kuanino, setelah angin kencang. Jalan macet total.",
            "Pohon ketapang di Jl. Timor Raya, Oesapa, tumbang dan menimpa kabel listrik. Mohon segera ditangani, bahaya.",
            "Dahan pohon beringin di Taman Nostalgia patah dan tergantung di atas jalur pejalan kaki, bisa jatuh kapan saja.",
            "Pohon tumbang di Jl. Frans Seda arah Bundaran Tirosa, menutupi satu lajur. Kendaraan harus putar balik.",
            "Pohon mahoni di depan SD Negeri Bakunase sudah miring dan akarnya terangkat, takut roboh menimpa anak sekolah.",
            "Angin kencang malam ini membuat pohon tumbang menimpa rumah warga di RT 03 Kelurahan Naikolan. Atap rusak.",
            "Ranting dan dahan besar jatuh di Jl. S.K. Lerik depan Kantor Wali Kota, menghalangi jalan masuk.",
        ),
    ),
    DemoCategory(
        code="banjir-genangan",
        name="Banjir/genangan",
        description="Banjir, genangan air di jalan atau permukiman, luapan kali setelah hujan.",
        opd_code="BPBD",
        keywords=(
            "banjir",
            "genangan",
            "tergenang",
            "air naik",
            "luapan",
            "kali meluap",
            "banjir bandang",
        ),
        urgent=True,
        duplicate_radius_m=300.0,
        descriptions=(
            "Banjir setinggi lutut di Jl. Timor Raya depan Pasar Oeba setelah hujan deras, motor banyak yang mogok.",
            "Kali Liliba meluap dan banjir masuk ke rumah warga RT 11 Kelurahan Liliba sekitar 50 cm. Ada lansia yang perlu dievakuasi.",
            "Genangan air di perempatan Jl. Jend. Soeharto dan Jl. Kartini, Naikoten I, tidak surut sudah tiga jam.",
            "Banjir di Kelurahan Oesapa Barat dekat muara, air laut pasang ditambah hujan, rumah-rumah tergenang.",
            "Jalan di Kelurahan Oebufu tergenang air dan lumpur dari bukit, mobil tidak bisa lewat. Mohon bantuan.",
            "Luapan Kali Dendeng di Fontein merendam belasan rumah. Warga sudah mengungsi ke gereja terdekat.",
            "Genangan air di Jl. Adisucipto depan kampus Undana, Penfui, setinggi lutut. Ada mobil mogok terjebak di tengah.",
        ),
    ),
    DemoCategory(
        code="lampu-jalan-mati",
        name="Lampu jalan (PJU) mati",
        description="Penerangan jalan umum (PJU) mati, berkedip, tiang miring atau kabel terbuka.",
        opd_code="PERKIM",
        keywords=(
            "lampu jalan",
            "lampu mati",
            "pju",
            "penerangan jalan",
            "tiang lampu",
            "gelap",
        ),
        urgent=False,
        descriptions=(
            "Lampu jalan di Jl. Frans Seda, Fatululi, mati 5 tiang berturut-turut, gelap gulita malam hari.",
            "PJU di Jl. Piet A. Tallo, Liliba, berkedip terus lalu mati, sudah seminggu.",
            "Jalan ke Pantai Lasiana gelap total, lampu jalan mati semua. Rawan begal dan kecelakaan.",
            "Tiang lampu PJU di Jl. Prof. Dr. Herman Johannes, Oebufu, miring dan kabelnya terbuka di bawah. Bahaya untuk anak-anak.",
            "Lampu penerangan jalan di Jl. Kelimutu sudah mati dua minggu, pedagang malam mengeluh.",
            "Lampu jalan di tanjakan Kelurahan Kolhua mati, padahal jalannya menikung dan curam.",
            "Lampu jalan di Jl. Bajawa, Fatululi, menyala siang hari dan mati saat malam. Sepertinya sensor rusak.",
        ),
    ),
    DemoCategory(
        code="parkir-liar",
        name="Parkir liar",
        description="Parkir sembarangan di badan jalan/trotoar atau juru parkir liar.",
        opd_code="DISHUB",
        keywords=(
            "parkir",
            "parkir liar",
            "juru parkir",
            "jukir",
            "parkir sembarangan",
            "derek",
        ),
        urgent=False,
        descriptions=(
            "Banyak mobil parkir di badan Jl. Jend. Soeharto depan toko-toko Naikoten, jalan jadi satu lajur dan macet tiap sore.",
            "Juru parkir liar di depan minimarket Jl. El Tari minta uang Rp5.000, padahal ada tulisan parkir gratis.",
            "Truk ekspedisi parkir berjam-jam di pinggir Jl. Timor Raya dekat Pelabuhan Tenau, menghalangi pandangan pengendara.",
            "Mobil parkir di trotoar depan Transmart Kupang, pejalan kaki harus jalan di aspal.",
            "Parkir motor di depan RSU W.Z. Johannes meluber ke jalan, ambulans susah keluar masuk.",
            "Jukir tanpa rompi dan karcis di kawasan kuliner Kampung Solor minta bayar dua kali.",
        ),
    ),
    DemoCategory(
        code="rambu-lalu-lintas-rusak",
        name="Rambu/lampu lalu lintas rusak",
        description="Rambu lalu lintas, marka jalan atau lampu lalu lintas (APILL) rusak/hilang/mati.",
        opd_code="DISHUB",
        keywords=(
            "rambu",
            "lampu merah",
            "lampu lalu lintas",
            "traffic light",
            "apill",
            "marka",
            "zebra cross",
        ),
        urgent=False,
        descriptions=(
            "Lampu merah di simpang Jl. Jend. Sudirman dan Jl. Moh. Hatta mati sejak pagi, kendaraan saling serobot.",
            "Rambu dilarang parkir di Jl. Ahmad Yani, Merdeka, sudah roboh ditabrak mobil dan belum diganti.",
            "Traffic light di Bundaran Tirosa nyala hijau dari dua arah bersamaan, hampir terjadi tabrakan.",
            "Marka zebra cross depan SD Inpres Oebobo 1 sudah pudar, anak-anak menyeberang tanpa tanda.",
            "Rambu penunjuk arah ke Bandara El Tari di Jl. Adisucipto tertutup dahan pohon dan tidak terbaca.",
            "Lampu lalu lintas di perempatan Jl. Cak Doko, Oebobo, berkedip kuning terus sudah dua hari.",
        ),
    ),
    DemoCategory(
        code="pkl-mengganggu",
        name="PKL mengganggu ketertiban",
        description="Pedagang kaki lima berjualan di trotoar, badan jalan atau area terlarang.",
        opd_code="SATPOLPP",
        keywords=(
            "pkl",
            "pedagang kaki lima",
            "lapak",
            "gerobak",
            "berjualan",
            "pedagang",
        ),
        urgent=False,
        descriptions=(
            "PKL berjualan di trotoar Jl. Jend. Soeharto depan Pasar Kasih Naikoten sampai ke badan jalan, bemo susah lewat.",
            "Lapak pedagang buah di Jl. Timor Raya dekat Pasar Oeba memakan satu lajur jalan, sering macet pagi hari.",
            "Gerobak jualan di depan gerbang SMA Negeri 1 Kupang menutupi jalan keluar masuk siswa.",
            "Pedagang di kawasan kuliner Kampung Solor membuang sisa minyak dan air cucian ke selokan setiap malam.",
            "Pedagang kaki lima mendirikan tenda permanen di trotoar Jl. Piet A. Tallo, pejalan kaki terpaksa turun ke jalan.",
            "PKL di Pantai Kelapa Lima menyalakan musik keras sampai jam 2 pagi, mengganggu warga sekitar.",
            "Lapak jualan pinang dan sirih di depan Terminal Kupang, Oebobo, menutupi halte bus.",
        ),
    ),
    DemoCategory(
        code="bangunan-liar",
        name="Bangunan liar/tanpa izin",
        description="Bangunan tanpa PBG/izin, melanggar sempadan jalan, pantai atau sungai.",
        opd_code="SATPOLPP",
        keywords=(
            "bangunan liar",
            "tanpa izin",
            "pbg",
            "sempadan",
            "bangunan tanpa izin",
            "kios liar",
            "pagar seng",
        ),
        urgent=False,
        descriptions=(
            "Ada bangunan semi permanen di sempadan Kali Liliba, sepertinya tanpa izin dan menyempitkan aliran kali.",
            "Kios liar berdiri di atas saluran drainase Jl. Suprapto, Kelurahan Oebobo, sejak bulan lalu.",
            "Warga membangun pagar seng sampai ke badan Jl. Fetor Funay, Kolhua, jalan menyempit hampir setengah.",
            "Bangunan rumah makan di pinggir Pantai Lasiana dibangun di sempadan pantai, mohon dicek izinnya.",
            "Pembangunan ruko di Jl. Siliwangi, Kelurahan Fontein, sudah tiga lantai tapi papan PBG tidak ada.",
            "Kios-kios liar di lahan milik Pemkot dekat Terminal Kupang, Oebobo, makin banyak dan kumuh.",
        ),
    ),
    DemoCategory(
        code="air-bersih",
        name="Air bersih/PDAM",
        description="Air PDAM tidak mengalir, keruh, pipa bocor atau masalah meteran.",
        opd_code="PDAM",
        keywords=(
            "pdam",
            "air tidak mengalir",
            "sonde mengalir",
            "air mati",
            "air keruh",
            "pipa bocor",
            "pipa induk",
            "meteran air",
            "air bersih",
        ),
        urgent=False,
        descriptions=(
            "Air PDAM di RT 14 Kelurahan Oebufu sudah 10 hari tidak mengalir, warga terpaksa beli air tangki Rp150.000.",
            "Pipa PDAM bocor di Jl. Perintis Kemerdekaan, Kayu Putih, air muncrat ke jalan sejak kemarin sore.",
            "Air PDAM yang keluar di Kelurahan Bakunase keruh kecoklatan dan berbau, tidak bisa dipakai masak.",
            "Jadwal air di Kelurahan Sikumana seharusnya Selasa dan Jumat, tapi su dua minggu sonde mengalir.",
            "Meteran air di rumah saya di Jl. Kartini, Naikoten I, berputar terus walaupun keran tertutup, tagihan naik dua kali lipat.",
            "Pipa induk di Jl. Jend. Soeharto pecah, air menggenang dan mengikis aspal. Sayang air terbuang percuma.",
            "Warga Kelurahan Penkase Oeleta belum pernah dapat sambungan PDAM walaupun sudah daftar sejak tahun lalu.",
        ),
    ),
    DemoCategory(
        code="kebakaran",
        name="Kebakaran",
        description="Kebakaran rumah, bangunan, lahan/ilalang atau potensi kebakaran.",
        opd_code="DAMKAR",
        keywords=(
            "kebakaran",
            "terbakar",
            "kobaran api",
            "api besar",
            "asap tebal",
            "korsleting",
        ),
        urgent=True,
        duplicate_radius_m=200.0,
        descriptions=(
            "Kebakaran rumah di RT 06 Kelurahan Airnona, api sudah besar dan merembet ke rumah sebelah. Mohon segera kirim mobil damkar.",
            "Lahan ilalang di belakang perumahan Kelurahan Naimata terbakar, api mendekati rumah warga karena angin kencang.",
            "Kios di Pasar Oeba terbakar, asap tebal terlihat dari Jl. Timor Raya. Pedagang berusaha memadamkan dengan ember.",
            "Ada korsleting di tiang listrik Jl. Tompello, Kuanino, percikan api jatuh ke atap seng rumah warga.",
            "Kebakaran lahan kosong di Kelurahan Fatukoa dekat sekolah, asap tebal masuk ke kelas.",
            "Gudang di Kelurahan Alak dekat Pelabuhan Tenau terbakar, terdengar ledakan kecil beberapa kali.",
        ),
    ),
    DemoCategory(
        code="fasilitas-kesehatan",
        name="Layanan/fasilitas kesehatan",
        description="Keluhan layanan puskesmas/pustu/posyandu, ketersediaan obat, atau kasus DBD.",
        opd_code="DINKES",
        keywords=(
            "puskesmas",
            "pustu",
            "posyandu",
            "dokter",
            "obat",
            "dbd",
            "fogging",
            "demam berdarah",
            "jentik",
        ),
        urgent=False,
        descriptions=(
            "Antrean di Puskesmas Oepoi sangat panjang, pasien datang jam 7 baru dilayani jam 12. Loket hanya satu yang buka.",
            "Obat untuk pasien hipertensi di Puskesmas Sikumana kosong sudah dua minggu, kami disuruh beli di apotek.",
            "Ada tiga anak kena DBD di RT 04 Kelurahan Oesapa Selatan bulan ini. Mohon dilakukan fogging.",
            "Pustu di Kelurahan Fatukoa sering tutup pada jam kerja, warga harus ke Puskesmas Penfui yang jauh.",
            "Posyandu di Kelurahan Belo tidak ada timbangan bayi yang berfungsi, kader pakai timbangan pinjaman.",
            "Toilet di Puskesmas Pasir Panjang rusak dan kotor, tidak ada air. Kasihan ibu hamil yang periksa.",
            "Banyak jentik nyamuk di bak-bak air warga Kelurahan Bakunase, mohon petugas jumantik turun memeriksa.",
        ),
    ),
    DemoCategory(
        code="orang-terlantar",
        name="Orang terlantar/ODGJ",
        description="Orang terlantar, ODGJ di ruang publik, gelandangan, pengemis atau anak jalanan.",
        opd_code="DINSOS",
        keywords=(
            "odgj",
            "gangguan jiwa",
            "terlantar",
            "gelandangan",
            "pengemis",
            "anak jalanan",
            "lansia sendirian",
        ),
        urgent=False,
        descriptions=(
            "Ada ODGJ yang tidur di halte depan Kantor Wali Kota sudah beberapa hari, kadang mengamuk dan melempar batu.",
            "Seorang nenek terlantar di emperan toko Jl. Ahmad Yani, Merdeka, terlihat sakit dan tidak ada keluarga.",
            "Anak-anak jalanan mengemis di lampu merah Bundaran Tirosa sampai larut malam, sebagian masih usia SD.",
            "Pengemis di depan Pasar Oeba makin banyak, beberapa membawa bayi di bawah terik matahari.",
            "Seorang pria dengan gangguan jiwa berkeliaran tanpa pakaian di Jl. Timor Raya, Oesapa. Mohon segera dijemput.",
            "Lansia tinggal sendirian di RT 08 Kelurahan Manulai II, rumahnya hampir roboh dan tidak punya makanan.",
        ),
    ),
    DemoCategory(
        code="gangguan-internet-layanan-publik",
        name="Gangguan internet/layanan digital publik",
        description="Wifi publik, aplikasi atau situs layanan Pemkot mati/error, CCTV kota tidak berfungsi.",
        opd_code="KOMINFO",
        keywords=(
            "wifi",
            "internet",
            "aplikasi",
            "website",
            "situs",
            "server",
            "cctv",
            "sinyal",
        ),
        urgent=False,
        descriptions=(
            "Wifi publik di Taman Nostalgia tidak bisa tersambung sudah seminggu, padahal banyak pelajar belajar di sini.",
            "Website layanan Pemkot Kupang tidak bisa dibuka sejak pagi, muncul pesan error 502.",
            "Aplikasi pengaduan tidak bisa unggah foto, selalu gagal di langkah terakhir.",
            "Internet di kantor Kelurahan Oesapa mati, pelayanan surat pengantar jadi tertunda dan antrean menumpuk.",
            "CCTV di Bundaran Tirosa sepertinya mati, layar di ruang kendali hanya hitam menurut petugas yang saya tanya.",
            "Wifi gratis di Pantai Kelapa Lima minta login tapi kode OTP tidak pernah masuk ke HP.",
        ),
    ),
)


# ---------------------------------------------------------------------------
# Workflow texts
# ---------------------------------------------------------------------------

RESPONSE_TEXTS: dict[str, tuple[str, ...]] = {
    "jalan-rusak": (
        "Tim reaksi cepat Dinas PUPR sudah menambal lubang di lokasi dengan aspal dingin. Perbaikan permanen dijadwalkan dalam paket pemeliharaan jalan bulan depan.",
        "Petugas sudah meninjau lokasi. Kerusakan cukup luas sehingga akan dilakukan pengaspalan ulang sepanjang ±150 m. Sementara dipasang rambu peringatan.",
        "Lubang bekas galian sudah ditutup dan dipadatkan. Kami juga menegur kontraktor galian agar mengembalikan kondisi jalan seperti semula.",
    ),
    "trotoar-rusak": (
        "Paving yang lepas sudah dipasang kembali dan dipadatkan oleh tim pemeliharaan Dinas PUPR.",
        "Penutup saluran di trotoar yang pecah sudah diganti dengan plat beton baru. Terima kasih atas laporannya.",
    ),
    "drainase-tersumbat": (
        "Tim Dinas PUPR sudah membersihkan sedimen dan sampah di saluran sepanjang ±80 m. Air sudah mengalir normal.",
        "Gorong-gorong sudah dikeruk menggunakan alat berat. Mohon warga tidak membuang sampah ke saluran.",
        "Dinding saluran yang jebol sudah dipasang karung pasir sementara. Perbaikan permanen masuk jadwal minggu depan.",
    ),
    "jembatan-rusak": (
        "Tim Dinas PUPR sudah memasang pagar pengaman sementara dan rambu hati-hati di jembatan.",
        "Hasil pemeriksaan: struktur utama jembatan aman. Lantai jembatan yang berlubang sudah ditambal dengan plat baja.",
        "Perbaikan oprit jembatan sudah selesai, permukaan sudah rata kembali.",
    ),
    "sampah-menumpuk": (
        "Sampah di lokasi sudah diangkut oleh armada DLHK pagi ini. Jadwal pengangkutan rutin di wilayah ini setiap Senin dan Kamis.",
        "Petugas kebersihan sudah membersihkan lokasi dan memasang papan larangan membuang sampah. Lurah setempat sudah diminta ikut mengawasi.",
        "Kontainer penuh sudah ditukar dengan kontainer kosong. Kami menambah frekuensi pengangkutan di TPS ini.",
    ),
    "pohon-tumbang": (
        "Tim DLHK bersama BPBD sudah memotong dan menyingkirkan pohon tumbang. Jalan sudah bisa dilalui kembali.",
        "Dahan yang patah sudah dipangkas. Pohon lain di sepanjang ruas ini akan dirapikan minggu ini untuk mencegah kejadian serupa.",
        "Pohon yang miring sudah ditebang secara terkendali. PLN sudah dihubungi untuk memperbaiki kabel yang tertimpa.",
    ),
    "banjir-genangan": (
        "Tim Reaksi Cepat BPBD sudah di lokasi, warga lansia dan anak-anak sudah dievakuasi ke posko di gereja terdekat.",
        "Genangan sudah surut setelah pompa portabel BPBD dioperasikan. Koordinasi dengan Dinas PUPR untuk normalisasi saluran.",
        "BPBD sudah menyalurkan bantuan logistik (beras, air minum, terpal) kepada warga terdampak. Pemantauan terus dilakukan.",
    ),
    "lampu-jalan-mati": (
        "Petugas PJU Dinas Perkim sudah mengganti lampu yang mati dengan lampu LED baru. Semua titik sudah menyala kembali.",
        "Kerusakan ada pada panel kontrol. Panel sudah diperbaiki dan lampu sudah menyala normal malam ini.",
        "Tiang lampu yang miring sudah ditegakkan dan kabel yang terbuka sudah diisolasi dan dimasukkan ke dalam tiang.",
    ),
    "parkir-liar": (
        "Petugas Dishub sudah melakukan penertiban dan menempelkan stiker peringatan pada kendaraan yang parkir sembarangan.",
        "Juru parkir liar sudah ditertibkan. Juru parkir resmi wajib memakai rompi dan memberikan karcis.",
        "Dishub sudah memasang rambu dilarang parkir tambahan dan akan melakukan patroli rutin di lokasi.",
    ),
    "rambu-lalu-lintas-rusak": (
        "Lampu lalu lintas sudah diperbaiki oleh teknisi Dishub. Kerusakan disebabkan modul kontrol yang terbakar.",
        "Rambu yang roboh sudah diganti dengan rambu baru dan tiang sudah dicor ulang.",
        "Pengecatan ulang marka zebra cross sudah dijadwalkan minggu ini bersama ruas lain di sekitar sekolah.",
    ),
    "pkl-mengganggu": (
        "Satpol PP sudah melakukan penertiban dan pendataan PKL. Pedagang diarahkan ke lokasi relokasi yang disediakan Pemkot.",
        "Tim Satpol PP sudah memberi teguran tertulis kepada pedagang. Patroli akan dilakukan setiap pagi dan sore.",
    ),
    "bangunan-liar": (
        "Satpol PP bersama Dinas PUPR sudah meninjau lokasi dan menyerahkan surat peringatan pertama kepada pemilik bangunan.",
        "Pemilik sudah menghentikan pembangunan sampai PBG diurus. Kami akan memantau perkembangannya.",
        "Bangunan liar di sempadan sudah dibongkar secara sukarela oleh pemiliknya setelah peringatan ketiga.",
    ),
    "air-bersih": (
        "Petugas PDAM sudah memperbaiki pipa yang bocor. Aliran air akan normal kembali paling lambat besok pagi.",
        "Gangguan disebabkan pompa di sumber air yang rusak. Sementara kami mengirim mobil tangki air ke RT terdampak.",
        "Meteran sudah diperiksa dan diganti. Tagihan bulan ini akan dikoreksi sesuai pemakaian rata-rata.",
    ),
    "kebakaran": (
        "Tiga unit mobil pemadam sudah dikerahkan dan api berhasil dipadamkan. Tidak ada korban jiwa, penyebab sementara diduga korsleting.",
        "Api di lahan ilalang sudah dipadamkan. Tim melakukan pendinginan untuk mencegah api muncul kembali.",
        "Petugas Damkar sudah di lokasi bersama PLN untuk mengamankan sumber korsleting.",
    ),
    "fasilitas-kesehatan": (
        "Dinkes sudah berkoordinasi dengan kepala puskesmas untuk membuka loket tambahan dan menerapkan antrean daring.",
        "Stok obat sudah didistribusikan dari Instalasi Farmasi Kota ke puskesmas. Pasien bisa mengambil obat mulai besok.",
        "Tim surveilans sudah melakukan penyelidikan epidemiologi dan fogging fokus di sekitar rumah penderita DBD.",
    ),
    "orang-terlantar": (
        "Tim Dinsos bersama Satpol PP sudah menjangkau yang bersangkutan dan membawanya ke RSJ Naimata untuk penanganan.",
        "Lansia sudah dijangkau petugas Dinsos, diberikan bantuan sembako dan didaftarkan ke program bantuan sosial.",
        "Anak-anak jalanan sudah didata dan orang tuanya dipanggil untuk pembinaan. Pemantauan lanjutan dilakukan bersama pekerja sosial.",
    ),
    "gangguan-internet-layanan-publik": (
        "Perangkat access point di lokasi sudah diganti oleh teknisi Diskominfo. Wifi publik sudah bisa digunakan kembali.",
        "Gangguan server sudah diatasi, layanan website sudah normal kembali. Mohon maaf atas ketidaknyamanannya.",
        "Masalah unggah foto di aplikasi sudah diperbaiki pada versi terbaru. Silakan perbarui aplikasi Anda.",
    ),
}

RETURN_REASONS: tuple[str, ...] = (
    "Bukan wewenang Dinas PUPR: jalan nasional, kewenangan BPJN",
    "Bukan wewenang Dinas PUPR: jalan provinsi, kewenangan Dinas PUPR Provinsi NTT",
    "Lokasi berada di wilayah Kabupaten Kupang, bukan Kota Kupang",
    "Tiang listrik dan kabel milik PLN, bukan PJU Pemkot",
    "Pohon berada di lahan pribadi, pemilik lahan yang bertanggung jawab",
    "Salah kategori: laporan ini terkait genangan akibat saluran tersumbat, mohon dialihkan ke Dinas PUPR",
    "Pipa yang bocor milik pengembang perumahan, bukan jaringan PDAM",
    "Lokasi tidak jelas, mohon dilengkapi titik koordinat atau patokan",
)

REJECT_REASONS: tuple[str, ...] = (
    "Laporan ganda",
    "Laporan tidak jelas dan tidak dapat diverifikasi",
    "Bukan pengaduan layanan publik (urusan pribadi/sengketa antarwarga)",
    "Mengandung ujaran kebencian atau kata-kata kasar",
    "Foto tidak sesuai dengan isi laporan",
    "Laporan palsu/iseng",
    "Sudah ditangani sebelumnya, lihat laporan terkait",
)

REOPEN_REASONS: tuple[str, ...] = (
    "Perbaikan belum tuntas, lubang masih ada",
    "Sampah sudah menumpuk lagi dua hari setelah diangkut",
    "Lampu hanya menyala satu malam, sekarang mati lagi",
    "Petugas belum datang ke lokasi, tetapi laporan ditutup",
    "Foto bukti penyelesaian bukan di lokasi yang saya laporkan",
    "Air PDAM masih belum mengalir sampai hari ini",
    "PKL kembali berjualan di trotoar keesokan harinya",
)
