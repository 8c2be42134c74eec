"""Clinical terms read as the ICD-10-CM wording they stand for (models/audit/terms.py)."""

import pytest

from models.audit.support import clinical_tokens
from models.audit.terms import fold_text, index_terms
from models.icd10.text import tokenize


def _norms(text: str) -> list[str]:
    return [t.norm for t in clinical_tokens(text)]


def test_a_lay_term_is_read_as_the_title_wording_at_its_own_span():
    text = "left pink eye, drops"
    tokens = clinical_tokens(text)
    assert "pink" not in [t.norm for t in tokens]
    folded = next(t for t in tokens if t.norm == "conjunctivitis")
    assert text[folded.start : folded.end] == "pink eye"


def test_capital_abbreviations_only_in_capitals():
    assert "right" in _norms("acute conjunctivitis OD")
    # "os" in lower case is the cervical os, not the left eye
    assert "left" not in _norms("the os is closed")


def test_an_index_subterm_applies_only_within_its_condition():
    assert "hyperglycemia" in _norms("type 2 diabetes, poorly controlled")
    assert "hyperglycemia" not in _norms("hypertension, poorly controlled")
    assert "hyperglycemia" in _norms("T2DM on basal insulin, above goal")
    assert "hyperglycemia" not in _norms("essential hypertension above goal")
    assert "atypical" in _norms("chest pain, non-exertional")
    assert "atypical" not in _norms("non-exertional dyspnea")
    # the condition may itself be named by another term
    assert "hyperglycemia" in _norms("T2D, out of control")
    # or by its adjective: "gouty" names gout
    assert "great" in _norms("gouty arthritis of the left hallux")
    assert "great" not in _norms("hallux valgus of the left foot")


def test_spinal_levels_name_their_region_without_reading_labs_or_heart_sounds():
    assert "lumbar" in _norms("L4 radiculopathy")
    assert "lumbosacral" in _norms("L5-S1 disc herniation")
    assert "cervical" in _norms("C5-C6 radiculopathy")
    assert "thoracic" not in _norms("free T4 elevated")
    assert "sacral" not in " ".join(_norms("S1 S2 normal"))


def test_index_terms_are_listed_under_billable_codes():
    assert "Atypical chest pain" in index_terms()["R07.89"]


def test_fold_text_writes_each_term_as_its_wording_for_readers_of_plain_text():
    assert (
        fold_text("T2D with NSTEMI") == "type 2 diabetes mellitus with non-ST elevation (NSTEMI) myocardial infarction"
    )
    assert fold_text("BPAD type 2, euthymic") == "bipolar disorder type 2, euthymic"
    # "within" as for tokens: the subterm applies only where its condition is named, and capitals stay capitals
    assert fold_text("hypertension, poorly controlled") == "hypertension, poorly controlled"
    assert "hyperglycemia" in fold_text("T2D, poorly controlled")
    assert fold_text("the mi of the note") == "the mi of the note"
    # decompensated heart failure is an exacerbation of chronic failure (Coding Clinic): acute on chronic
    assert "acute on chronic systolic" in fold_text("decompensated systolic heart failure")


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        # acuity
        ("bronchiectasis flare-up, sputum purulent", "exacerbation"),
        ("myasthenia flares since the infection", "exacerbation"),
        ("decompensated chronic diastolic CHF", "acute"),
        # heart failure type
        ("HFmrEF, EF 45%", "diastolic"),
        # laterality
        ("osteoarthritis involving both hips", "bilateral"),
        ("pitting edema bilaterally", "bilateral"),
        ("stasis dermatitis LLE", "left"),
        # CKD and pressure ulcer stage forms
        ("CKD stage IV, nephrology following", "4"),
        ("diabetic kidney disease, KDIGO G3b A2", "stage"),
        ("CKD4 due to hypertension", "stage"),
        ("pressure injury of the left heel, stage II", "ulcer"),
        ("deep tissue pressure injury over the coccyx", "damage"),
        # class, grade and degree
        ("morbid obesity, class II, BMI 37", "2"),
        ("obesity class three", "3"),
        ("prolapsing hemorrhoids, grade IV", "fourth"),
        # episode, remission and psychosis words of major depression
        ("major depression, first episode, severe", "single"),
        ("MDD, partially remitted", "remission"),
        ("major depressive disorder, recurrent, severe without psychosis", "psychotic"),
        # ADHD presentation (DSM-5) read as the ICD-10-CM type
        ("ADHD, predominantly inattentive presentation", "type"),
        # control wording
        ("type 1 diabetes with poor glycemic control", "hyperglycemia"),
        ("chronic migraine, treatment-resistant", "intractable"),
        ("seizure disorder, pharmacoresistant", "intractable"),
        # spellings and lay terms
        ("long-standing persistent atrial fibrillation", "longstanding"),
        ("nocturnal low blood sugars on insulin", "hypoglycemia"),
        ("sleeplessness for months", "insomnia"),
        ("T2DM on metformin", "type"),
    ],
)
def test_axis_words_are_read_as_the_title_wording(text: str, read_as: str) -> None:
    assert read_as in _norms(text)
    assert read_as not in [t.norm for t in tokenize(text)]


def test_a_term_reads_as_the_row_of_the_condition_named():
    # "poorly controlled" is with hyperglycemia in diabetes, intractable in migraine, and nothing in hypertension
    assert "hyperglycemia" in _norms("type 1 diabetes, poorly controlled")
    assert "intractable" in _norms("migraine with aura, poorly controlled")
    assert "intractable" not in _norms("type 1 diabetes, poorly controlled")
    assert _norms("hypertension, poorly controlled") == [t.norm for t in tokenize("hypertension, poorly controlled")]
    # a grade is an obesity class, a hemorrhoid degree, and nothing where neither is named
    assert "class" in _norms("obesity grade 2")
    assert "second" in _norms("grade 2 hemorrhoids")
    assert _norms("grade 2 ankle sprain") == [t.norm for t in tokenize("grade 2 ankle sprain")]
    # a stage in Roman numerals is the titles' numeral, or a hemorrhoid degree where hemorrhoids are named
    assert "3" in _norms("sacral ulcer, stage III")
    assert "third" in _norms("stage III internal hemorrhoids")
    # refractory stays refractory outside migraine and epilepsy (refractory anemia is a title of its own)
    assert "refractory" in _norms("refractory anemia")


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        # substance use: addiction is dependence, opiate/heroin/narcotic is opioid, EtOH is alcohol
        ("opiate addiction, on buprenorphine-naloxone", ["opioid", "dependence"]),
        ("heroin dependence, in early remission", ["opioid", "dependence"]),
        ("narcotic addiction since the accident", ["opioid", "dependence"]),
        ("EtOH abuse, counseled", ["alcohol"]),
        ("ETOH dependence with withdrawal", ["alcohol"]),
        # heart failure and COPD wording
        ("cardiac insufficiency, on furosemide", ["heart", "failure"]),
        ("congestive cardiac failure, euvolemic today", ["congestive", "heart", "failure"]),
        ("chronic obstructive airways disease, stable on tiotropium", ["lung"]),
        # kidney failure wording and dialysis dependence
        ("end-stage kidney disease, MWF sessions", ["end", "stage", "kidney", "disease"]),
        ("dialysis-dependent since March", ["dependence", "dialysis"]),
        # obesity, depression, paralysis, peripheral arterial disease, RA serology
        ("severe obesity, counseled on diet", ["morbid"]),
        ("major depression, recurrent, on sertraline", ["depressive", "disorder"]),
        ("tetraplegia after the C5 injury", ["quadriplegia"]),
        ("spastic paraparesis", ["paraplegia"]),
        ("peripheral artery disease, walking program", ["vascular"]),
        ("seropositive rheumatoid arthritis on methotrexate", ["rheumatoid", "factor"]),
    ],
)
def test_hcc_condition_wordings_are_read_as_the_index_wording(text: str, read_as: list[str]) -> None:
    norms = _norms(text)
    assert all(word in norms for word in read_as), norms


@pytest.mark.parametrize(
    "text",
    [
        "heroin overdose, naloxone given",  # poisoning, not dependence: heroin stays heroin
        "narcotic pain medication refilled",
        "seropositive for hepatitis B surface antibody",  # serology outside rheumatoid arthritis
        "the pad of the index finger",  # lower case pad is not peripheral arterial disease
        "depression screen negative, no major concerns",
    ],
)
def test_near_misses_stay_as_written(text: str) -> None:
    assert _norms(text) == [t.norm for t in tokenize(text)]


def test_roman_numeral_types_and_vocabulary_of_the_specific_detail():
    # a Roman numeral type is the titles' Arabic numeral, only where diabetes is named (bipolar II is another axis)
    assert "2" in _norms("type II diabetes mellitus")
    assert "2" not in _norms("bipolar disorder type II")
    # intermittent atrial fibrillation is paroxysmal (ACC/AHA); an intermittent rate is no type of fibrillation
    assert "paroxysmal" in _norms("intermittent AF on apixaban")
    assert "paroxysmal" not in _norms("atrial fibrillation with intermittent RVR")
    # the great toe within gout only: titles say "hallux" in hallux valgus
    assert "toe" in _norms("gout of the right hallux")
    assert "hallux" in _norms("right hallux valgus")
    # median neuropathy is carpal tunnel syndrome where the wrist is named (at the elbow it is another lesion)
    assert "carpal" in _norms("median neuropathy at the wrist")
    assert "carpal" not in _norms("median neuropathy at the elbow")
    assert "elevated" in _norms("raised cholesterol and triglycerides")
    assert "axilla" in _norms("abscess of the left underarm")


def test_index_terms_of_the_specific_detail():
    assert "Diabetic peripheral neuropathy" in index_terms()["E11.42"]
    assert "Hypercholesterolemia with hypertriglyceridemia" in index_terms()["E78.2"]


def test_the_antrum_is_the_maxillary_sinus_only_where_sinusitis_is_named():
    assert "maxillary" in _norms("acute antral sinusitis")
    assert "maxillary" not in _norms("antral gastritis, H. pylori negative")
