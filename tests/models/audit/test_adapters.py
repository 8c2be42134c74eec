"""Adapters to the real models: diagnosis support statuses, and one synthetic encounter through every model."""

from __future__ import annotations

import pytest

from models.audit.adapters import dx_key, load_default_models, probability_bucket
from models.clinical.document import ClinicalDocument

NOTE = (
    "CHIEF COMPLAINT:\nfollow-up\n\n"
    "PAST MEDICAL HISTORY:\nasthma\n\n"
    "REVIEW OF SYSTEMS:\nDenies chest pain.\n\n"
    "ASSESSMENT AND PLAN:\n"
    "1. type 2 diabetes with hyperglycemia: A1c 8.9, increase metformin to 1000 mg twice daily.\n"
    "2. skin lesion of the back, biopsy sent ? melanoma - r/o.\n"
)


def test_probability_bucket_edges():
    assert [probability_bucket(p) for p in (None, 0.0, 0.1, 0.3, 0.6, 0.9)] == [
        "none", "p<0.05", "p<0.2", "p<0.5", "p<0.8", "p>=0.8"
    ]  # fmt: skip


def test_default_models_outputs_for_a_note(codesets, cms):
    from datasets.schema import Encounter

    models = load_default_models(codesets, calibration={})
    encounter = Encounter.model_validate(
        {
            "encounter_id": "a-1",
            "text": NOTE + "\nProcedure: ECG obtained in clinic and interpreted by me: sinus rhythm.\n",
            "date_of_service": "2024-08-01",
            "setting": "office",
            "patient_status": "established",
            "age": 70,
            "sex": "F",
            "claim": {"lines": [{"code": "99214", "dx": ["E11.65", "C43.59"]}]},
        }
    )
    outputs = models.outputs(encounter)
    assert outputs.em is not None and outputs.em.supported_code.startswith("992")
    assert 0.0 <= outputs.em.confidence <= 1.0
    assert {d.code: d.status for d in outputs.diagnoses} == {"E11.65": "supported", "C43.59": "ruled_out"}
    assert all(0.0 <= s.confidence <= 1.0 for s in outputs.services)


def test_default_models_parse_the_note_once(codesets, monkeypatch):
    from datasets.schema import Encounter

    models = load_default_models(codesets, calibration={})
    parsed: list[str] = []
    parse = ClinicalDocument.__init__

    def counting(doc, text, context=None):
        parsed.append(text)
        parse(doc, text, context)

    monkeypatch.setattr(ClinicalDocument, "__init__", counting)
    encounter = Encounter.model_validate(
        {"encounter_id": "p-1", "text": NOTE, "age": 70, "sex": "F",
         "claim": {"lines": [{"code": "99214", "dx": ["E11.9", "C43.59"]}]}}
    )  # fmt: skip
    outputs = models.outputs(encounter)
    assert outputs.em is not None and outputs.diagnoses and outputs.hccs is not None
    assert parsed == [NOTE]


def test_dx_key_marks_an_absent_code_beside_a_fully_coded_visit():
    assert dx_key("absent", None) == "absent|none"
    assert dx_key("absent", None, True) == "absent|none|problems_coded"
    assert dx_key("absent", 0.3, False) == "absent|p<0.5"


def test_an_absent_code_knows_whether_the_visit_s_problems_are_all_coded(codesets):
    from datasets.schema import Encounter

    table = {"dx": {"absent|none": 0.1, "absent|none|problems_coded": 0.8}}
    models = load_default_models(codesets, calibration=table)

    def absent_finding(assessment: str) -> tuple[bool | None, float]:
        encounter = Encounter.model_validate(
            {
                "encounter_id": "a-1",
                "text": f"CHIEF COMPLAINT:\nfollow-up\n\nASSESSMENT AND PLAN:\n{assessment}",
                "date_of_service": "2024-08-01",
                "age": 60,
                "sex": "M",
                "claim": {"lines": [{"code": "99213", "dx": ["I10", "K81.9"]}]},
            }
        )
        finding = next(f for f in models.outputs(encounter).diagnoses or () if f.code == "K81.9")
        assert finding.status == "absent"
        return finding.problems_coded, finding.confidence

    # the only problem addressed is the hypertension the other code names: nothing is left for K81.9 to name
    assert absent_finding("1. hypertension - stable, continue lisinopril 20 mg daily.\n") == (True, 0.8)
    # a second problem no billed code names may be K81.9 in words the matcher does not know
    both = "1. hypertension - stable, continue lisinopril 20 mg daily.\n2. gallbladder attack - ultrasound ordered.\n"
    assert absent_finding(both) == (False, 0.1)


def test_hcc_gap_needs_the_condition_stated_as_certain(codesets):
    from datasets.schema import Encounter

    models = load_default_models(codesets, calibration={})

    def gaps(item: str) -> set[str]:  # first three characters of the gap codes
        encounter = Encounter.model_validate(
            {
                "encounter_id": "h-1",
                "text": "ASSESSMENT AND PLAN:\n1. essential hypertension - stable, continue lisinopril 20 mg daily.\n"
                f"2. {item}\n",
                "date_of_service": "2024-08-01",
                "age": 70,
                "sex": "F",
                "claim": {"lines": [{"code": "99214", "dx": ["I10"]}]},
            }
        )
        return {h.icd10cm[:3] for h in models.outputs(encounter).hccs or ()}

    assert "E11" in gaps("type 2 diabetes with hyperglycemia - A1c 8.9, increase metformin to 1000 mg twice daily.")
    # "concern for" is a hedge the HCC module's own cues do not know; the support rules do
    assert "E11" not in gaps("concern for type 2 diabetes with hyperglycemia - A1c 8.9, repeat A1c ordered.")

    # the classification's other names, an adjective form and a "--" after the name: each is the condition
    assert "J44" in gaps("chronic obstructive lung disease -- stable; continue tiotropium daily.")
    assert "F10" in gaps("moderate alcohol use disorder -- worse; start naltrexone 50 mg daily.")
    assert "F20" in gaps("schizophrenic illness, on clozapine (stable). ANC normal; continue clozapine.")
    # a cancer named as what a screening test looks for is no cancer of the patient
    assert "C34" not in gaps("tobacco use. Ordered: low-dose CT lung cancer screening.")


@pytest.mark.parametrize(
    ("billed", "item", "documented"),
    [
        ("L02.419", "1. abscess of the left axilla - incision and drainage today, packing placed.", "L02.412"),
        ("L02.419", "1. skin abscess - incision and drainage today, packing placed.", None),  # no site stated
        # the exam finding after the diagnosis is not the diagnostic statement
        ("H10.31", "1. acute conjunctivitis, right eye - injection with mucopurulent discharge; drops.", None),
        ("I50.9", "1. HFrEF, chronic, compensated - continue carvedilol.", "I50.22"),
        # an item label before the statement ("Impression 2:", "A:") is not part of it
        ("J45.901", "Impression 2: moderate persistent asthma w/ exacerbation (worse). Recs: prednisone.", "J45.41"),
        ("L02.419", "A: right axillary abscess, new. P: I&D.", "L02.411"),
        # an inclusion term of the specific code names it ("plaque psoriasis" is psoriasis vulgaris)
        ("L40.9", "1. plaque psoriasis - stable, continue topical steroid.", "L40.0"),
        ("L40.9", "1. psoriasis - stable, continue topical steroid.", None),
        # a lettered sub-stage and a roman class are words of their own
        ("N18.30", "1. CKD 3a - stable, recheck BMP.", "N18.31"),
        ("N18.30", "1. CKD 3 - stable, recheck BMP.", None),
        ("E66.9", "1. obesity class III - diet counseling.", "E66.813"),
        # a code that leaves another axis open is still more specific on the one the note settles
        ("J01.90", "1. maxillary sinusitis, acute - amoxicillin.", "J01.00"),
        # ... only where the note names the billed condition itself: a wrist sprain names no scaphoid fracture
        ("S62.009A", "1. sprain of the right wrist - splint, ice.", None),
        # a title stating an axis absent is wrong once the note documents it, and "with"/"without" tell codes apart
        ("K21.9", "1. GERD with esophagitis, w/o bleeding - continue PPI.", "K21.00"),
        ("K21.9", "1. GERD without esophagitis - continue PPI.", None),
        # "non" before a word states it absent, however it is joined; "not" too, in a note
        ("K21.9", "1. reflux esophagitis, non-hemorrhagic - continue PPI.", "K21.00"),
        ("K21.9", "1. reflux esophagitis, nonhemorrhagic - continue PPI.", "K21.00"),
        ("N39.0", "1. acute cystitis, non bloody urine - nitrofurantoin.", "N30.00"),
        ("N39.0", "1. acute cystitis, not hematuric - nitrofurantoin.", "N30.00"),
        ("K50.90", "1. Crohn disease of the small intestine without complications - continue.", "K50.00"),
        # an inclusion term naming two types by "or" names each ("type IIb or III" of E78.2)
        ("E78.5", "1. Fredrickson type III hyperlipoproteinemia - fibrate.", "E78.2"),
        ("E78.5", "1. hyperlipoproteinemia - statin.", None),
        # only an inclusion term names the specific code ("common wart" is an other viral wart)
        ("B07.9", "1. common warts of the hands - cryotherapy today.", "B07.8"),
        # the excludes notes send a documented condition to its own category: cystitis is not "UTI, site not
        # specified" (N39.0 Excludes1 N30.-), primary insomnia is not G47.0 (Excludes2 F51.01)
        ("N39.0", "1. acute cystitis, no hematuria - nitrofurantoin.", "N30.00"),
        ("N39.0", "1. urinary tract infection - nitrofurantoin.", None),
        ("G47.00", "1. chronic primary insomnia - CBT-I referral.", "F51.01"),
        # ... never to another category's unspecified code, nor from a title that only states an axis absent
        ("J06.9", "1. acute upper respiratory infection - supportive care.", None),
        ("K50.00", "1. Crohn disease of the small intestine without complications.\n2. IBS, stable.", None),
        # a bullet before the item number; "-sided" states the side
        ("R10.20", "- 1. right-sided pelvic pain - new problem, diagnosis unclear.", "R10.21"),
        # any enumerating form before the name: "(1)", "1/", "Dx 1)", "> Problem:"
        ("N39.0", "(1) acute cystitis, no hematuria. Status: new. Actions: nitrofurantoin.", "N30.00"),
        ("N39.0", "1/ acute cystitis, no hematuria: new; nitrofurantoin.", "N30.00"),
        ("N39.0", "Dx 1) acute cystitis, no hematuria", "N30.00"),
        ("N39.0", "> Problem: acute cystitis, no hematuria", "N30.00"),
        # gout stated without a cause is idiopathic gout (ICD-10-CM index default): its site shows the code
        ("M10.9", "1. acute gout, left ankle and foot - colchicine.", "M10.072"),
        ("M10.9", "1. acute gout flare - colchicine.", None),
        ("J84.10", "1. pulmonary fibrosis - pulmonology referral.", None),  # "idiopathic" alone is still a word to see
        ("J84.10", "1. idiopathic pulmonary fibrosis - pulmonology referral.", "J84.112"),
        # a site named by a part of it: the toe is in the ankle and foot, the wrist in the upper limb (read from the
        # code set's injury blocks and inclusion lists); the side must still be stated
        ("M10.9", "1. gout of the left great toe - colchicine.", "M10.072"),
        ("G56.00", "1. right wrist carpal tunnel syndrome - night splint.", "G56.01"),
        ("G56.00", "1. wrist carpal tunnel syndrome - night splint.", None),
        # ... or by its adjective ("ileal" is the ileum); an inclusion term repeating the category's own synonym
        # ("Regional ileitis" under "Crohn's disease [regional enteritis]") is shown by its other words
        ("K50.90", "1. ileal Crohn disease - stable.", "K50.00"),
        ("K50.90", "1. Crohn's ileitis, quiescent - continue.", "K50.00"),
        ("K50.90", "1. Crohn's colitis - stable on infliximab.", "K50.10"),
        ("K50.90", "1. Crohn's disease - stable on infliximab.", None),
        # a roman stage with its letter
        ("N18.30", "1. CKD stage IIIb - nephrology referral.", "N18.32"),
        ("N18.30", "1. CKD stage III - nephrology referral.", None),
        # a status before a colon, the diagnosis after it
        ("E11.40", "> stable, no changes: diabetic polyneuropathy. increase gabapentin.", "E11.42"),
        # ... but findings after a colon are not read where the part before it names the condition
        ("H10.30", "3) acute conjunctivitis, left eye: injection with mucopurulent discharge. Drops.", "H10.32"),
        # "angina-free" states the angina absent
        ("I25.10", "1. CAD of the native coronaries, angina-free - continue statin.", None),
        # a short parenthesis clarifies the statement; a long one holds findings
        ("I48.91", "1. atrial fibrillation (paroxysmal), on apixaban.", "I48.0"),
        ("H10.30", "1. acute conjunctivitis (left conjunctival injection with discharge) - drops.", None),
        # ... and the name may go on after it
        ("I48.91", "1. intermittent (paroxysmal) atrial fibrillation - on apixaban.", "I48.0"),
        # an ancestor's inclusion term names the ancestor; the child's own words are still needed
        ("I50.9", "1. chronic heart failure with reduced ejection fraction - continue carvedilol.", "I50.22"),
        ("I50.9", "1. heart failure with reduced EF - continue carvedilol.", "I50.20"),
        # a right or left condition is one of that side; either site of "ankle and foot" names it
        ("R10.20", "1. right pelvic pain - new problem.", "R10.21"),
        ("M10.9", "1. gout of the right foot - colchicine.", "M10.071"),
        # a class in words, a KDIGO GFR category, a spinal level
        ("E66.9", "1. obesity, class three - diet counseling.", "E66.813"),
        ("N18.30", "1. CKD G3b - nephrology referral.", "N18.32"),
        ("M54.10", "1. L5 radiculopathy - PT referral.", "M54.16"),
        ("M54.10", "1. radiculopathy - PT referral.", None),
        # "type" and "presentation" only name the axis ("ADHD, combined" is the combined type)
        ("F90.9", "1. ADHD, combined - continue stimulant.", "F90.2"),
        # a short status and heading before a colon
        ("R05.9", "> new - dx unclear: chronic cough. trial of PPI.", "R05.3"),
        # Alphabetic Index entries the tabular lacks
        ("R07.9", "1. atypical chest pain - stress test.", "R07.89"),
        ("R07.9", "1. chest pain - stress test.", None),
        # lay terms, eponyms, shorthand and index "see" terms (data/clinical_terms_v1.csv)
        ("H10.30", "1. left pink eye - drops.", "H10.32"),
        ("H10.30", "1. acute conjunctivitis OS - drops.", "H10.32"),
        ("M17.10", "1. DJD of the right knee - injection today.", "M17.11"),
        ("E11.9", "1. type 2 diabetes, poorly controlled - add GLP-1 agonist.", "E11.65"),
        ("N39.0", "1. acute bladder infection, no blood in urine - nitrofurantoin.", "N30.00"),
        ("E05.90", "1. Basedow disease - methimazole.", "E05.00"),
        ("F90.9", "1. ADHD-C - continue stimulant.", "F90.2"),
        # the detail after a dash, or the site before it, is read with the statement ...
        ("I48.91", "1. atrial fibrillation - paroxysmal. Continue apixaban.", "I48.0"),
        ("H10.30", "1. left eye - acute conjunctivitis. Drops.", "H10.32"),
        ("E11.40", "1. type 2 diabetes mellitus -- diabetic polyneuropathy of both feet -- stable.", "E11.42"),
        # ... only where the words before the dash settle nothing: a status after it is no acuity
        ("I48.91", "1. pAF - chronic and well managed. Continue apixaban.", "I48.0"),
        # a side written as its initial; not a rule-out mark
        ("M17.10", "1. R knee OA - injection today.", "M17.11"),
        ("G56.00", "1. carpal tunnel syndrome, L - night splint.", "G56.02"),
        # a test read negative states its organism absent
        ("J02.9", "1. pharyngitis, rapid strep negative - supportive care.", None),
        # a title "without" a complication is the index default where the note is silent on it
        ("N39.0", "1. acute cystitis - nitrofurantoin.", "N30.00"),
        ("N39.0", "1. acute cystitis with hematuria - nitrofurantoin.", "N30.01"),
        # a parenthesis giving the diagnosis's usual name is read with it; one holding findings is not
        ("G56.00", "1. right median nerve entrapment at the wrist (carpal tunnel syndrome) - EMG.", "G56.01"),
        ("G56.00", "1. carpal tunnel syndrome (positive Tinel on the right) - night splint.", None),
        # a code that leaves the axis unspecified ties only through a status word: the one that specifies it wins;
        # alone, the status word still shows its code
        ("I48.91", "1. paroxysmal atrial fibrillation, chronic and stable - continue apixaban.", "I48.0"),
        ("I48.91", "1. atrial fibrillation, chronic - rate control.", "I48.20"),
        ("H66.90", "1. otitis media of both ears, right and left - amoxicillin.", None),
        # shorthand and lay terms shared with the HCC condition finder
        ("I50.9", "1. chronic systolic HF - continue carvedilol.", "I50.22"),
        ("H66.90", "1. left middle ear infection, acute - amoxicillin.", "H66.92"),
        # an absence word reaches over its phrase: "no visible hematuria" states no hematuria; a word that turns
        # the clause ends its reach
        ("N30.00", "1. acute bladder infection (cystitis), no visible hematuria - cephalexin.", None),
        ("N39.0", "1. acute cystitis, no fever but hematuria on dipstick - cephalexin.", "N30.01"),
        # an excludes note naming a class by examples ("urinary tract infection of specified site, such as:
        # cystitis, urethritis") takes in the other infections of its examples' blocks: pyelonephritis is one
        ("N39.0", "1. acute pyelonephritis - cefpodoxime, urine culture sent.", "N10"),
        ("N39.0", "1. hydronephrosis, right - urology referral.", None),  # a kidney condition, no infection
        ("N39.0", "1. CKD 3a - recheck BMP.", None),
        # chest pain without typical angina's exertional feature is atypical chest pain (Index: R07.89)
        ("R07.9", "1. chest pain, non-exertional, etiology unclear - stress test.", "R07.89"),
        ("R07.9", "1. nonexertional chest pain - reassurance.", "R07.89"),
        ("R07.9", "1. exertional chest pain - stress test.", None),
        # glycemia above goal is inadequately controlled diabetes, with hyperglycemia; "not at goal" and
        # "uncontrolled" name no direction, and "at goal" is controlled
        ("E11.9", "1. T2DM on basal insulin, above goal - up-titrate glargine.", "E11.65"),
        ("E11.9", "1. type 2 diabetes, not at goal - add GLP-1 agonist.", None),
        ("E11.9", "1. type 2 diabetes, uncontrolled - add GLP-1 agonist.", None),
        ("E11.9", "1. type 2 diabetes, at goal - continue metformin.", None),
        # a sinus infection is sinusitis (Index: Infection, sinus - see Sinusitis)
        ("J01.90", "1. acute maxillary sinus infection - amoxicillin.", "J01.00"),
        # another item's distinguishing word names no condition of the billed category: "atopic" of an eczema item
        # is no atopic conjunctivitis
        ("H10.31", "1. atopic eczema flare-up - triamcinolone.\n2. right pink eye - drops.", None),
        ("H10.30", "1. atopic eczema flare-up - triamcinolone.\n2. right atopic conjunctivitis - drops.", "H10.11"),
        # Roman numeral types and stages, shorthand, Index entries and clinical synonyms of the specific detail
        # (data/clinical_terms_v1.csv, data/icd10cm_index_terms_v1.csv); each with a near miss
        ("E11.40", "1. type II diabetic peripheral neuropathy - gabapentin.", "E11.42"),
        ("E11.40", "1. T2DM with DPN - gabapentin.", "E11.42"),
        ("E11.40", "1. type 2 diabetes with diabetic neuropathy - gabapentin.", None),
        ("E78.5", "1. raised cholesterol and triglycerides (mixed) - statin.", "E78.2"),
        ("E78.5", "1. hypercholesterolemia with hypertriglyceridemia - statin.", "E78.2"),
        ("E78.5", "1. high cholesterol - statin.", None),
        ("I48.91", "1. intermittent atrial fibrillation - on apixaban.", "I48.0"),
        ("I48.91", "1. atrial fibrillation with intermittent RVR - rate control.", None),  # the rate is intermittent
        ("L02.419", "1. skin abscess of the left underarm - I&D.", "L02.412"),
        ("L02.419", "1. skin abscess of the underarm - I&D.", None),
        ("M75.40", "1. right rotator cuff impingement - PT referral.", "M75.41"),
        ("G56.00", "1. right median neuropathy at the wrist - night splint.", "G56.01"),
        ("G56.00", "1. median neuropathy at the wrist - night splint.", None),
        ("M10.9", "1. acute gout of the right hallux - colchicine.", "M10.071"),
        ("M17.10", "1. left gonarthrosis - injection today.", "M17.12"),
        ("L50.9", "1. urticaria from an allergy - cetirizine.", "L50.0"),
        ("L50.9", "1. urticaria, allergy testing pending - cetirizine.", None),
        ("F90.9", "1. ADHD, mixed presentation - continue stimulant.", "F90.2"),
        ("N18.30", "1. CKD IIIa - recheck BMP.", "N18.31"),
        ("E05.90", "1. exophthalmic goitre - methimazole.", "E05.00"),
        ("K21.9", "1. GORD with oesophagitis - PPI.", "K21.00"),
        ("L70.9", "1. cystic acne - isotretinoin.", "L70.0"),
        ("L70.9", "1. acne - topical retinoid.", None),
        ("M17.10", "1. right knee arthrosis - injection today.", "M17.11"),
        ("M17.10", "1. knee arthrosis - injection today.", None),
        ("M54.10", "1. lumbar radicular syndrome - PT referral.", "M54.16"),
        ("I48.91", "1. paroxysmal a fib - on apixaban.", "I48.0"),
        ("E11.9", "1. type 2 diabetes with DKD, CKD stage 3a - SGLT2 inhibitor.", "E11.22"),
        ("N18.30", "1. DKD, stage 3a - SGLT2 inhibitor.", "N18.31"),
        ("H66.90", "1. left ear infection - amoxicillin.", "H66.92"),
        ("H66.90", "1. left outer ear infection - ciprofloxacin drops.", None),  # otitis externa
        ("E66.9", "1. morbidly obese, BMI 42 - dietitian referral.", "E66.01"),
        ("G47.00", "1. chronic insomnia disorder - CBT-I.", "F51.01"),
        ("G47.00", "1. chronic insomnia - CBT-I.", None),
        # a site before a colon is read with the condition after it; after a condition's name a colon opens its
        # findings
        ("H10.30", "1. left eye: acute conjunctivitis - polymyxin-trimethoprim drops.", "H10.32"),
        ("L02.419", "For the left axilla: cutaneous abscess, this is simple acute illness; I&D.", "L02.412"),
        ("H10.31", "1. acute conjunctivitis, right eye: mucopurulent discharge - drops.", None),
        # a long clause after a dash is read up to its last comma within reach, findings "with" still not
        ("J45.909", "1. asthma - moderate persistent, uncomplicated, at goal on the current regimen.", "J45.40"),
        ("J44.9", "* Pt's COPD - acute exacerbation is poorly controlled, getting worse over the months.", "J44.1"),
        (
            "H10.31",
            "1. acute conjunctivitis, right eye - injection with mucopurulent discharge, crusting of the lashes, "
            "vision intact.",
            None,
        ),
        # a term read within a condition is read where the condition's adjective names it
        ("M10.9", "1. gouty arthritis of the left hallux - colchicine.", "M10.072"),
        # a dictated sub-stage letter, in capitals
        ("N18.30", "1. chronic kidney disease stage three A - recheck BMP.", "N18.31"),
        ("N18.30", "1. CKD stage 3 a week after the AKI - recheck BMP.", None),
        ("E78.5", "1. dysbetalipoproteinaemia - continue atorvastatin.", "E78.2"),
        # a qualifier in the naming's own clause is read with it: no angina is documented
        ("I25.10", "1. coronary atherosclerosis without anginal symptoms - continue statin.", None),
        # "uncertain" of a problem's status is its prognosis, not a neoplasm's behavior
        ("D49.2", "1. skin neoplasm, behavior unspecified, biopsied, prognosis uncertain - path pending.", None),
        ("D49.2", "1. skin neoplasm of uncertain behavior, biopsied, uncertain prognosis - path pending.", "D48.5"),
        # the item's number is no class or stage, whatever mark closes it
        ("E66.9", "2] class 3 obesity w/ BMI 40 to 44.9 -- phentermine.", "E66.813"),
        ("E66.9", "[2] class 3 obesity -- phentermine.", "E66.813"),
        ("E66.9", "2] obesity -- phentermine.", None),
        ("F43.10", "Issue 1 – chronic PTSD: not at goal. Plan: psychotherapy.", "F43.12"),
        # a long status before a colon, then the diagnosis
        ("B07.9", "1. minor, expected to resolve w/o treatment: common warts of the hands. Cryotherapy.", "B07.8"),
        ("L02.419", "1. new acute problem without complications: abscess of the right axilla. I&D.", "L02.411"),
        # a findings label run in under the problem quotes the exam, no diagnostic statement
        (
            "H10.31",
            "1. acute conjunctivitis, right eye\nExam: right conjunctival injection w/ mucopurulent discharge.",
            None,
        ),
        # so do a "Findings:" sub-line and a SOAP "O:" part under the problem
        ("H10.31", "1.1 acute conjunctivitis, right eye: new\n1.2 Findings: injection w/ mucopurulent discharge", None),
        ("H10.31", "acute conjunctivitis, right eye:\n  S: new\n  O: injection w/ mucopurulent discharge", None),
        # a letter, a roman numeral or a nested number leads the item; a full stop after it does not end the statement
        ("I48.91", "a. paroxysmal AF - at goal. Apixaban.", "I48.0"),
        ("I48.91", "B) paroxysmal AF: at goal; apixaban.", "I48.0"),
        ("I48.91", "I. paroxysmal AF, at goal. Plan: apixaban.", "I48.0"),
        ("I48.91", "iv) paroxysmal AF - at goal. Apixaban.", "I48.0"),
        ("I48.91", "2.1 paroxysmal AF: at goal", "I48.0"),
        ("M17.10", "(R) knee osteoarthritis - injection.", "M17.11"),  # "(R)" is the side, no item letter
        # a table's column mark ends the statement: the findings column is no diagnosis
        ("H10.31", "acute conjunctivitis, right eye\tnew\tinjection w/ mucopurulent discharge\tdrops", None),
    ],
)
def test_specificity_reads_the_diagnostic_statement(codesets, billed, item, documented):
    models = load_default_models(codesets, calibration={})
    found = models.specificity.find(ClinicalDocument(f"ASSESSMENT AND PLAN:\n{item}\n"), billed)
    assert (found[0] if found else None) == documented


def test_specificity_never_offers_a_code_the_claim_bills_for_another_condition(codesets):
    models = load_default_models(codesets, calibration={})
    doc = ClinicalDocument("ASSESSMENT AND PLAN:\n1. IBS with diarrhea - rifaximin.\n2. Crohn's ileitis, quiescent.\n")
    found = models.specificity.find(doc, "K50.90", claimed=["K58.0", "K50.90"])
    assert found is not None and found[0] == "K50.00"


def test_specificity_reads_the_problems_a_preventive_visit_addresses(codesets):
    models = load_default_models(codesets, calibration={})
    note = "PREVENTIVE CARE\nSeparately identifiable problems addressed today:\n- 1. right CTS - splint at night.\n"
    found = models.specificity.find(ClinicalDocument(note), "G56.00")
    assert found is not None and found[0] == "G56.01"


def test_specificity_reads_a_problem_under_a_health_care_maintenance_heading(codesets):
    # "HCM" heads the preventive block of a wellness visit as "HM" does; the problem assessed there is a statement
    models = load_default_models(codesets, calibration={})
    note = (
        "A&P (by problem #):\nHCM:\nHRA reviewed. Written screening schedule given.\n"
        "Separately identifiable problem-oriented E/M today for:\n#1 primary osteoarthritis of the right knee\n"
        "  - uncontrolled; trending worse despite adherence\n  - Plan: no changes to meloxicam.\n"
    )
    found = models.specificity.find(ClinicalDocument(note), "M17.10")
    assert found is not None and found[0] == "M17.11"
    # the side is still needed
    found = models.specificity.find(ClinicalDocument(note.replace(" of the right knee", " of the knee")), "M17.10")
    assert found is None


def test_specificity_prefers_the_assessment_to_a_complaint_listing_other_sides(codesets):
    models = load_default_models(codesets, calibration={})
    note = (
        "CHIEF COMPLAINT:\nleft lateral epicondylitis and right carpal tunnel syndrome\n\n"
        "ASSESSMENT AND PLAN:\n1. right carpal tunnel syndrome - splint at night.\n"
        "2. left lateral epicondylitis - stretching.\n"
    )
    found = models.specificity.find(ClinicalDocument(note), "G56.00")
    assert found is not None and found[0] == "G56.01"


def test_calibration_fitted_with_another_em_bundle_warns():
    from models.audit.adapters import check_calibration
    from models.audit.errors import CalibrationMismatchWarning

    tables = {"em_bundle": "em-aaaaaaaaaaaa", "em_level": 0.98}
    with pytest.warns(CalibrationMismatchWarning, match="AUD207.*em-aaaaaaaaaaaa.*em-bbbbbbbbbbbb.*training.audit_cal"):
        check_calibration(tables, "em-bbbbbbbbbbbb")
    with pytest.warns(CalibrationMismatchWarning, match="no recorded E/M bundle"):
        check_calibration({"em_level": 0.98}, "em-bbbbbbbbbbbb")


def test_calibration_of_the_loaded_em_bundle_is_silent():
    import warnings

    from models.audit.adapters import check_calibration

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_calibration({"em_bundle": "em-aaaaaaaaaaaa", "em_level": 0.98}, "em-aaaaaaaaaaaa")
        check_calibration({}, "em-aaaaaaaaaaaa")  # nothing fitted: the config's pooled figures are used


def test_unspecified_code_flag_on_a_note_worded_with_an_index_entry_and_a_roman_numeral(codesets, cms):
    from datasets.schema import Encounter
    from models.audit import AuditEngine

    note = (
        "CHIEF COMPLAINT: follow-up of diabetes and cholesterol.\n\n"
        "HPI: 64-year-old with burning in both feet at night, worse over 6 months. Sugars 120s-140s fasting.\n\n"
        "EXAM: decreased monofilament sensation to the ankles bilaterally; pedal pulses 2+.\n\n"
        "ASSESSMENT AND PLAN:\n"
        "1. type II diabetic peripheral neuropathy - start gabapentin 300 mg at night, podiatry referral.\n"
        "2. raised cholesterol and triglycerides (mixed) - continue atorvastatin 40 mg, recheck lipids in 3 months.\n"
    )
    # a fitted confidence above the flag's threshold: the test is of the reading, not of the calibration
    models = load_default_models(codesets, calibration={"specific_default": 0.99})
    engine = AuditEngine(codesets=codesets, models=models)

    def flags(dx: list[str], text: str = note) -> set[tuple[str, str, str | None]]:
        encounter = Encounter.model_validate(
            {
                "encounter_id": "u-1",
                "text": text,
                "date_of_service": "2024-08-01",
                "setting": "office",
                "patient_status": "established",
                "age": 64,
                "sex": "M",
                "claim": {"lines": [{"code": "99214", "dx": dx}]},
            }
        )
        audit = engine.audit(encounter)
        return {(f.type, f.billed, f.supported) for f in audit.flags if f.type == "unspecified_code"}

    assert flags(["E11.40", "E78.5"]) == {
        ("unspecified_code", "E11.40", "E11.42"),
        ("unspecified_code", "E78.5", "E78.2"),
    }
    # the near miss: neuropathy and cholesterol without the distinguishing detail
    vague = note.replace("peripheral neuropathy", "neuropathy").replace(" and triglycerides (mixed)", "")
    assert flags(["E11.40", "E78.5"], vague) == set()


def test_unspecified_code_where_the_problem_list_has_the_condition_and_the_assessment_its_specific_name(codesets, cms):
    from datasets.schema import Encounter
    from models.audit import AuditEngine

    models = load_default_models(codesets, calibration={"specific_default": 0.99})
    engine = AuditEngine(codesets=codesets, models=models)

    def flags(assessment: str, complaint: str = "follow-up") -> set[tuple[str, str | None]]:
        text = (
            f"CHIEF COMPLAINT: {complaint}\n\nPAST MEDICAL HISTORY:\nmixed hyperlipidemia\n\n"
            f"ASSESSMENT AND PLAN:\n{assessment}\n"
        )
        encounter = Encounter.model_validate(
            {
                "encounter_id": "u-2",
                "text": text,
                "date_of_service": "2024-08-01",
                "setting": "office",
                "patient_status": "established",
                "age": 54,
                "sex": "F",
                "claim": {"lines": [{"code": "99213", "dx": ["E78.5"]}]},
            }
        )
        audit = engine.audit(encounter)
        return {(f.type, f.code or f.billed) for f in audit.flags if f.type.startswith("un")}

    # no phrase of E78.5 words the tabular's inclusion term, but the assessment states the condition as current
    assert flags("1. hypercholesterolemia with endogenous hyperglyceridemia - continue rosuvastatin.") == {
        ("unspecified_code", "E78.5")
    }
    # named only on the problem list, or in the chief complaint: past history, not under-specified
    assert flags("1. hypertension - continue lisinopril.") == {("unsupported_diagnosis", "E78.5")}
    assert flags(
        "1. hypertension - continue lisinopril.", "hypercholesterolemia with endogenous hyperglyceridemia"
    ) == {("unsupported_diagnosis", "E78.5")}
