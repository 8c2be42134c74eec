"""Unseen-name probe: validation notes whose condition names are rewritten with other clinically correct names.

The readers are lexical; family F tests names they have not seen, but some of F's names reached the term tables in
earlier sessions. This probe writes a validation family's notes again with names of this module's own (synonyms,
eponyms, lay terms, abbreviations a coder meets), never taken from any synthetic family's phrasing, so that a fix
can be measured on names no table was fitted to. Gold codes stay: every name here codes to the same ICD-10-CM code
as the one it replaces.

Usage::

    medcode synth --n 600 --seed 909 --phrasing validation --family V --out v.jsonl
    python -m evaluation.synonym_probe --data v.jsonl --out v_syn.jsonl [--battery 2..6]
    medcode evaluate --task audit --data v_syn.jsonl --out m.json
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from datasets.synth.knowledge import load_knowledge

# Condition key -> other names of the same condition ("{side}" where the condition has one). Conditions left out keep
# their names.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "t2dm_hyperglycemia": ("adult-onset diabetes, sugars running high", "type II diabetes mellitus, hyperglycemic"),
    "t2dm_insulin_hyperglycemia": ("type II diabetes on insulin with high glucose readings",
                                   "insulin-treated adult-onset diabetes, hyperglycemic"),
    "t2dm_ckd": ("type II diabetes with diabetic kidney disease, stage 3a",
                 "adult-onset diabetes with diabetic renal disease, CKD G3a"),
    "t2dm_neuropathy": ("type II diabetic peripheral neuropathy", "adult-onset diabetes with diabetic polyneuropathy"),
    "hyperlipidemia": ("mixed dyslipidemia", "raised cholesterol and triglycerides (mixed)"),
    "graves": ("autoimmune hyperthyroidism of Graves type, no storm", "diffuse toxic goitre without crisis"),
    "ckd3a": ("chronic renal insufficiency, stage 3a", "CKD G3a"),
    "obesity_class3": ("grade 3 obesity, BMI 41", "class three obesity"),
    "afib_doac": ("intermittent atrial fibrillation on apixaban", "paroxysmal auricular fibrillation, on a DOAC"),
    "afib_warfarin": ("intermittent atrial fibrillation on warfarin", "paroxysmal auricular fibrillation, on Coumadin"),
    "hf_chronic_systolic": ("chronic heart failure with reduced ejection fraction", "chronic systolic cardiac failure"),
    "hf_acute_on_chronic": ("acute exacerbation of chronic systolic heart failure",
                            "chronic HFrEF, now acutely decompensated"),
    "copd_stable": ("chronic obstructive lung disease", "COPD (emphysema type), stable"),
    "copd_exacerbation": ("COPD flare", "acute flare of chronic obstructive lung disease"),
    "mdd_recurrent_moderate": ("recurrent major depression, moderate", "major depression, recurrent episode, moderate"),
    "bipolar_lithium": ("bipolar affective disorder type II on lithium", "type 2 bipolar disorder"),
    "alcohol_use_disorder": ("alcoholism, moderate", "alcohol addiction without complication"),
    "opioid_use_disorder": ("opiate addiction on Suboxone", "opioid addiction on maintenance buprenorphine"),
    "schizophrenia_clozapine": ("schizophrenic disorder on clozapine", "chronic schizophrenia, on Clozaril"),
    "crohns": ("regional enteritis of the ileum, quiet", "terminal ileal Crohn disease without complication"),
    "ulcerative_colitis_flare": ("left-sided UC, active", "ulcerative proctosigmoiditis extending to the splenic "
                                 "flexure, flaring"),
    "hep_c": ("chronic HCV infection", "chronic viral hepatitis C"),
    "chest_pain_uncertain": ("chest wall type pain, atypical", "atypical chest discomfort of unclear cause"),
    "chronic_cough": ("persistent cough for three months", "longstanding chronic cough"),
    "strep_pharyngitis": ("group A strep throat infection", "streptococcal sore throat"),
    "sinusitis": ("acute maxillary sinus infection", "acute sinusitis of the maxillary sinus"),
    "cystitis": ("acute bladder infection, no blood in the urine", "acute cystitis, no gross hematuria"),
    "otitis_media": ("acute {side} middle ear infection", "{side} acute otitis"),
    "conjunctivitis": ("acute {side} conjunctival inflammation", "{side} eye, acute conjunctivitis"),
    "allergic_reaction": ("allergic hives, acute", "urticaria from an allergy"),
    "knee_oa": ("degenerative joint disease of the {side} knee", "{side} knee DJD"),
    "shoulder_impingement": ("{side} rotator cuff impingement", "{side} shoulder impingement syndrome"),
    "carpal_tunnel": ("{side} median nerve entrapment at the wrist", "{side} carpal tunnel entrapment"),
    "lumbar_radiculopathy": ("lumbar nerve root irritation with radiculopathy", "radiculopathy of the lumbar spine"),
    "gout_flare": ("podagra, {side} foot", "acute gouty arthritis of the {side} big toe"),
    "common_wart": ("verrucae on the hands", "common hand warts"),
    "acne": ("acne, comedonal and papular", "teenage acne vulgaris"),
    "psoriasis": ("psoriasis en plaques", "chronic plaque-type psoriasis"),
    "psoriasis_methotrexate": ("plaque-type psoriasis on methotrexate", "psoriasis en plaques on MTX"),
    "abscess_axilla": ("{side} armpit abscess", "skin abscess of the {side} underarm"),
    "gerd_esophagitis": ("erosive reflux esophagitis, no bleeding", "acid reflux with esophagitis"),
    "ibs_d": ("diarrhea-predominant irritable bowel", "irritable colon with diarrhoea"),
    "ruq_pain": ("right upper abdominal quadrant pain", "pain in the right upper abdomen"),
    "adhd": ("ADHD, mixed presentation", "attention deficit disorder with hyperactivity, combined type"),
    "ptsd_chronic": ("long-standing PTSD", "posttraumatic stress disorder, chronic course"),
    "insomnia": ("primary sleeplessness", "nonorganic primary insomnia"),
    "tobacco_use": ("cigarette smoker, nicotine dependent", "dependence on cigarette smoking"),
    "gad": ("generalised anxiety", "chronic generalized anxiety"),
    "asthma_stable": ("moderate persistent bronchial asthma without flare", "persistent asthma of moderate degree"),
    "asthma_exacerbation": ("moderate persistent asthma, acutely exacerbated", "flare of moderate persistent asthma"),
    "pelvic_pain": ("pain in the right side of the pelvis", "right lower pelvic pain"),
}  # fmt: skip


# A second battery, written from clinical usage (Index entries, tabular inclusion terms, British spellings, common
# shorthand) before the term table's rows of session 14 were added, for the conditions the audit's unspecified_code
# flag reads (a specific code with an ``unspecified`` mapping): a measure no row was fitted to.
SYNONYMS_2: dict[str, tuple[str, ...]] = {
    "t2dm_hyperglycemia": ("type II DM with hyperglycemia", "NIDDM with hyperglycaemia",
                           "DM type 2, inadequately controlled"),
    "t2dm_insulin_hyperglycemia": ("type II diabetes on insulin, hyperglycemic",
                                   "insulin-treated DM2 with elevated glucose", "T2DM on insulin, poorly controlled"),
    "t2dm_ckd": ("type II diabetes with diabetic nephropathy, CKD stage IIIa", "DM2 with diabetic CKD, stage 3A",
                 "diabetic kidney disease due to type 2 diabetes, CKD G3a"),
    "t2dm_neuropathy": ("DM2 with peripheral neuropathy", "type 2 diabetes with distal symmetric polyneuropathy",
                        "NIDDM with diabetic peripheral neuropathy"),
    "hyperlipidemia": ("combined hypercholesterolemia and hypertriglyceridemia",
                       "high cholesterol with high triglycerides", "mixed hyperlipidaemia"),
    "graves": ("Graves' disease", "exophthalmic goitre", "thyrotoxicosis from Graves disease"),
    "ckd3a": ("CKD stage IIIA", "stage 3a chronic renal disease", "chronic kidney disease, GFR category G3a"),
    "obesity_class3": ("class III obesity, BMI 43", "grade III obesity", "obesity, class 3 (BMI 42)"),
    "afib_doac": ("paroxysmal a-fib on apixaban", "PAF on Eliquis", "paroxysmal AFib on rivaroxaban"),
    "afib_warfarin": ("paroxysmal a-fib on Coumadin", "PAF, on warfarin", "paroxysmal AFib, on warfarin"),
    "hf_chronic_systolic": ("chronic HFrEF, compensated", "chronic HF with reduced ejection fraction",
                            "chronic systolic congestive heart failure"),
    "hf_acute_on_chronic": ("acute on chronic HFrEF", "acutely decompensated chronic systolic heart failure",
                            "acute exacerbation of chronic systolic CHF"),
    "chest_pain_uncertain": ("chest discomfort, atypical features", "non-cardiac chest pain",
                             "chest tightness, unclear cause"),
    "copd_exacerbation": ("exacerbated COPD", "COPD in acute exacerbation", "acute COPD exacerbation"),
    "asthma_stable": ("persistent asthma, moderate", "moderate-persistent asthma",
                      "asthma (moderate persistent), well controlled"),
    "asthma_exacerbation": ("moderate persistent asthma in acute exacerbation",
                            "exacerbation of moderate persistent asthma", "moderate persistent asthma, flare-up"),
    "chronic_cough": ("refractory cough", "persistent dry cough", "unexplained chronic cough"),
    "strep_pharyngitis": ("group A strep pharyngitis", "GABHS pharyngitis", "septic sore throat"),
    "sinusitis": ("acute maxillary rhinosinusitis", "acute sinusitis, maxillary",
                  "acute bacterial rhinosinusitis of the maxillary sinuses"),
    "cystitis": ("acute cystitis without haematuria", "acute simple cystitis",
                 "acute bacterial cystitis, no blood in urine"),
    "pyelonephritis": ("acute kidney infection", "acute pyelitis", "acute infective pyelonephritis"),
    "otitis_media": ("{side}-sided otitis media", "otitis media in the {side} ear", "{side} OM"),
    "conjunctivitis": ("acute conjunctivitis of the {side} eye", "{side}-sided acute conjunctivitis",
                       "acute {side} conjunctivitis"),
    "allergic_reaction": ("hives, allergic in origin", "allergy-related urticaria", "urticaria secondary to allergy"),
    "knee_oa": ("{side} knee osteoarthrosis", "{side} gonarthrosis", "osteoarthritis of the {side} knee joint"),
    "shoulder_impingement": ("{side} subacromial impingement syndrome", "impingement syndrome, {side} shoulder",
                             "{side} shoulder subacromial impingement"),
    "carpal_tunnel": ("{side} median nerve compression in the carpal tunnel", "{side} median neuropathy at the wrist",
                      "{side}-sided carpal tunnel syndrome"),
    "lumbar_radiculopathy": ("radiculopathy, lumbar region", "L4-L5 radiculopathy", "lumbar radiculitis"),
    "gout_flare": ("gout attack, {side} big toe", "{side} first metatarsophalangeal joint gout flare",
                   "acute gout of the {side} hallux"),
    "common_wart": ("verrucae vulgares", "common warts on the fingers", "verruca vulgaris of the hand"),
    "acne": ("cystic acne", "nodular acne", "pustular acne"),
    "psoriasis": ("psoriasis, plaque type", "nummular psoriasis", "large plaque psoriasis of the elbows and knees"),
    "psoriasis_methotrexate": ("psoriasis, plaque type, on methotrexate", "nummular psoriasis on MTX",
                               "plaque psoriasis maintained on methotrexate"),
    "abscess_axilla": ("abscess in the {side} armpit", "{side} axillary skin abscess",
                       "subcutaneous abscess of the {side} axillary region"),
    "pelvic_pain": ("pelvic pain, right-sided", "right hemipelvic pain", "pelvic pain localized to the right"),
    "gerd_esophagitis": ("gastro-oesophageal reflux with oesophagitis", "erosive reflux oesophagitis",
                         "GERD complicated by esophagitis"),
    "ibs_d": ("diarrhoea-predominant IBS", "IBS, diarrhea type", "irritable bowel syndrome with diarrhoea"),
    "crohns": ("small bowel Crohn's disease", "Crohn disease of the terminal ileum, quiescent",
               "Crohn's of the small bowel, no complications"),
    "ulcerative_colitis_flare": ("left sided UC, flaring", "ulcerative left hemicolitis, active",
                                 "ulcerative colitis involving the left colon, active"),
    "ruq_pain": ("RUQ abdominal pain", "abdominal pain, right upper quadrant", "pain in the RUQ"),
    "mdd_recurrent_moderate": ("recurrent depressive disorder, current episode moderate",
                               "MDD, recurrent episode, moderate severity", "moderate recurrent major depression"),
    "gad": ("generalised anxiety disorder", "generalized anxiety, chronic", "anxiety neurosis"),
    "adhd": ("ADHD, combined subtype", "attention deficit/hyperactivity disorder, combined presentation",
             "ADHD (mixed type)"),
    "ptsd_chronic": ("chronic posttraumatic stress disorder", "PTSD (chronic)",
                     "post traumatic stress disorder, chronic"),
    "insomnia": ("idiopathic insomnia", "primary insomnia disorder", "insomnia, primary type"),
    "tobacco_use": ("tobacco dependence, cigarettes", "nicotine dependence from cigarette smoking",
                    "dependent cigarette smoker"),
}  # fmt: skip


# A third battery, written after the term rows of session 14 (so not blind to them) but measured once and never
# used to choose a row: word orders, status words and shorthand the other two batteries lack.
SYNONYMS_3: dict[str, tuple[str, ...]] = {
    "t2dm_hyperglycemia": ("diabetes mellitus type 2 with hyperglycemia", "type 2 DM, hyperglycemic, A1c above goal"),
    "t2dm_insulin_hyperglycemia": ("diabetes mellitus type 2, insulin-requiring, with hyperglycemia",
                                   "type 2 DM on insulin with hyperglycemia"),
    "t2dm_ckd": ("diabetes mellitus type 2 with CKD stage 3a", "type 2 DM with diabetic chronic kidney disease, 3a"),
    "t2dm_neuropathy": ("diabetes mellitus type 2 with polyneuropathy",
                        "type 2 DM, diabetic polyneuropathy of the feet"),
    "hyperlipidemia": ("hyperlipidemia, mixed type", "combined hyperlipidemia (LDL and triglycerides high)"),
    "graves": ("Graves disease, no thyroid storm", "hyperthyroidism due to Graves disease"),
    "ckd3a": ("chronic kidney disease, stage 3A", "CKD, stage 3a"),
    "obesity_class3": ("obesity, class III, BMI 41", "class 3 severe obesity, BMI 44"),
    "afib_doac": ("atrial fibrillation, paroxysmal, on apixaban", "paroxysmal atrial fib on Eliquis"),
    "afib_warfarin": ("atrial fibrillation, paroxysmal, on warfarin", "paroxysmal atrial fib on Coumadin"),
    "hf_chronic_systolic": ("heart failure, chronic systolic", "systolic heart failure, chronic, NYHA II"),
    "hf_acute_on_chronic": ("heart failure, acute on chronic systolic", "systolic CHF, acute on chronic"),
    "chest_pain_uncertain": ("chest pain, atypical", "chest wall pain, musculoskeletal"),
    "copd_exacerbation": ("chronic obstructive pulmonary disease with acute exacerbation", "COPD, exacerbation"),
    "asthma_stable": ("asthma, persistent, moderate, uncomplicated", "moderate persistent asthma, no exacerbation"),
    "asthma_exacerbation": ("asthma, moderate persistent, with exacerbation",
                            "moderate persistent asthma, exacerbation"),
    "chronic_cough": ("cough, chronic", "cough, persistent"),
    "strep_pharyngitis": ("pharyngitis, streptococcal", "strep pharyngitis, group A"),
    "sinusitis": ("sinusitis, acute maxillary", "acute maxillary sinusitis, bacterial"),
    "cystitis": ("cystitis, acute, without hematuria", "acute cystitis (no hematuria)"),
    "pyelonephritis": ("pyelonephritis, acute", "acute pyelonephritis, right kidney"),
    "otitis_media": ("otitis media, {side}", "{side} otitis media, acute"),
    "conjunctivitis": ("conjunctivitis, acute, {side} eye", "{side} eye acute conjunctivitis"),
    "allergic_reaction": ("urticaria, allergic", "allergic urticaria, acute"),
    "knee_oa": ("osteoarthritis, {side} knee, primary", "{side} knee primary osteoarthritis"),
    "shoulder_impingement": ("shoulder impingement syndrome, {side}", "{side} shoulder impingement syndrome"),
    "carpal_tunnel": ("carpal tunnel syndrome, {side}", "{side} wrist CTS"),
    "lumbar_radiculopathy": ("radiculopathy, lumbar", "lumbar radiculopathy, L5"),
    "gout_flare": ("gout, {side} great toe, acute flare", "{side} great toe gout, acute"),
    "common_wart": ("warts, common, on the hands", "common wart (verruca vulgaris)"),
    "acne": ("acne, vulgaris", "acne vulgaris, inflammatory"),
    "psoriasis": ("psoriasis, plaque", "psoriasis vulgaris (plaque type)"),
    "psoriasis_methotrexate": ("psoriasis, plaque, on methotrexate", "psoriasis vulgaris on MTX"),
    "abscess_axilla": ("axillary abscess, {side}", "{side} axilla cutaneous abscess"),
    "pelvic_pain": ("pelvic pain, right", "right pelvic pain, unclear cause"),
    "gerd_esophagitis": ("GERD, with esophagitis", "esophagitis, reflux"),
    "ibs_d": ("IBS, diarrhea-predominant", "irritable bowel syndrome, with diarrhea"),
    "crohns": ("Crohn disease, small intestine", "Crohn's disease of the ileum"),
    "ulcerative_colitis_flare": ("ulcerative colitis, left sided, flaring", "UC (left-sided), active flare"),
    "ruq_pain": ("abdominal pain, RUQ", "RUQ abdominal pain, unclear cause"),
    "mdd_recurrent_moderate": ("depression, major, recurrent, moderate", "MDD recurrent, moderate"),
    "gad": ("anxiety disorder, generalized", "generalized anxiety disorder (GAD)"),
    "adhd": ("ADHD, combined", "attention deficit hyperactivity disorder, combined type"),
    "ptsd_chronic": ("PTSD, chronic type", "posttraumatic stress disorder, chronic"),
    "insomnia": ("insomnia, primary", "primary insomnia, chronic"),
    "tobacco_use": ("nicotine dependence, cigarettes, uncomplicated", "cigarette smoking, nicotine dependence"),
}  # fmt: skip

# A fourth battery, written in session 15 before any of its names was measured: the shorthand of a busy clinic note
# (sides as "rt"/"lt", "DM2", "h/o"-style clipped forms), Index lead terms and subterms written in the Index's own
# order, and lay terms a coder meets on a problem list.
SYNONYMS_4: dict[str, tuple[str, ...]] = {
    "t2dm_hyperglycemia": ("poorly controlled type 2 diabetes", "DM2, out of control", "uncontrolled DM type II"),
    "t2dm_insulin_hyperglycemia": ("insulin-dependent type 2 diabetes, poorly controlled",
                                   "DM2 on insulin, uncontrolled", "type 2 diabetic on insulin with hyperglycemia"),
    "t2dm_ckd": ("type 2 diabetes with diabetic kidney disease stage 3a", "DM2 with CKD 3a due to diabetes",
                 "diabetes type 2 with stage 3a chronic kidney disease"),
    "t2dm_neuropathy": ("type 2 diabetes with peripheral neuropathy", "DM2 with polyneuropathy",
                        "diabetic sensory polyneuropathy, type 2 diabetes"),
    "hyperlipidemia": ("combined dyslipidemia", "mixed hyperlipoproteinemia", "hyperlipidemia, combined"),
    "graves": ("Graves disease", "Basedow disease", "diffuse toxic goiter"),
    "ckd3a": ("CKD IIIa", "chronic kidney disease, stage 3a (moderate)", "CKD stage G3a"),
    "obesity_class3": ("class III obesity", "obesity, class 3, BMI 40-44.9", "severe class 3 obesity"),
    "afib_doac": ("paroxysmal atrial fibrillation, on Xarelto", "pAF on DOAC", "paroxysmal afib on apixaban"),
    "afib_warfarin": ("paroxysmal atrial fibrillation, on Coumadin", "pAF on warfarin", "paroxysmal afib on warfarin"),
    "hf_chronic_systolic": ("HFrEF, chronic", "chronic systolic HF", "chronic heart failure with reduced EF"),
    "hf_acute_on_chronic": ("acute on chronic HFrEF exacerbation", "acute on chronic systolic HF",
                            "acute exacerbation of chronic HFrEF"),
    "chest_pain_uncertain": ("atypical CP", "chest pain, noncardiac", "chest wall pain"),
    "copd_exacerbation": ("COPD exacerbation", "acute exacerbation of chronic obstructive pulmonary disease",
                          "COPD with exacerbation"),
    "asthma_stable": ("moderate persistent asthma without complication", "asthma, moderate persistent, stable",
                      "moderate persistent asthma, uncomplicated, controlled"),
    "asthma_exacerbation": ("asthma, moderate persistent, in exacerbation", "moderate persistent asthma attack",
                            "acute exacerbation of moderate persistent asthma"),
    "chronic_cough": ("chronic persistent cough", "cough, chronic, > 8 weeks", "chronic nonproductive cough"),
    "strep_pharyngitis": ("strep pharyngitis", "streptococcal sore throat, rapid strep positive",
                          "pharyngitis due to group A streptococcus"),
    "sinusitis": ("acute maxillary sinusitis, likely bacterial", "acute sinusitis, maxillary sinus",
                  "maxillary sinusitis (acute)"),
    "cystitis": ("acute cystitis", "cystitis, acute, no hematuria", "acute uncomplicated cystitis"),
    "pyelonephritis": ("acute pyelo", "pyelonephritis (acute)", "acute upper urinary tract infection (pyelonephritis)"),
    "otitis_media": ("{side} ear infection", "acute OM, {side} ear", "AOM of the {side} ear"),
    "conjunctivitis": ("{side} conjunctivitis", "conjunctivitis of the {side} eye, acute", "acute pink eye, {side}"),
    "allergic_reaction": ("allergic hives", "urticaria due to allergy", "acute urticaria, allergic"),
    "knee_oa": ("OA of the {side} knee", "{side} knee degenerative arthritis", "{side} knee arthrosis"),
    "shoulder_impingement": ("{side} shoulder subacromial impingement syndrome", "impingement, {side} shoulder",
                             "{side} shoulder impingement"),
    "carpal_tunnel": ("{side} carpal tunnel", "carpal tunnel syndrome of the {side} wrist",
                      "{side} CTS, worsening"),
    "lumbar_radiculopathy": ("lumbar radiculopathy, L4", "radiculopathy of the lumbar region",
                             "lumbar radicular syndrome"),
    "gout_flare": ("{side} great toe gout flare", "acute gout, {side} first MTP joint",
                   "gouty arthritis of the {side} great toe"),
    "common_wart": ("common warts on both hands", "verruca vulgaris, hands", "common hand warts"),
    "acne": ("acne vulgaris, papulopustular", "common acne", "moderate acne vulgaris"),
    "psoriasis": ("psoriasis vulgaris", "plaque-type psoriasis", "chronic plaque psoriasis, stable"),
    "psoriasis_methotrexate": ("psoriasis vulgaris on methotrexate", "plaque-type psoriasis on MTX",
                               "chronic plaque psoriasis on methotrexate"),
    "abscess_axilla": ("{side} axilla abscess", "abscess, {side} axilla", "{side} armpit abscess"),
    "pelvic_pain": ("right-sided pelvic pain, unclear etiology", "pelvic pain on the right", "right side pelvic pain"),
    "gerd_esophagitis": ("reflux esophagitis", "GERD with erosive esophagitis", "esophagitis due to GERD"),
    "ibs_d": ("diarrhea-predominant IBS", "IBS-D", "irritable bowel syndrome, diarrhea predominant"),
    "crohns": ("Crohn's disease of the small bowel", "ileal Crohn disease", "Crohn ileitis, in remission"),
    "ulcerative_colitis_flare": ("left-sided ulcerative colitis, flare", "left-sided colitis (UC), active",
                                 "UC, left-sided, flaring"),
    "ruq_pain": ("RUQ pain", "right upper quadrant abdominal pain, unclear cause", "pain, abdominal, RUQ"),
    "mdd_recurrent_moderate": ("major depressive disorder, recurrent episode, moderate", "recurrent MDD, moderate",
                               "MDD, recurrent, moderate severity"),
    "gad": ("generalized anxiety disorder, chronic", "GAD, controlled", "generalized anxiety"),
    "adhd": ("ADHD-C", "ADHD, combined presentation", "attention deficit hyperactivity disorder, combined"),
    "ptsd_chronic": ("posttraumatic stress disorder, chronic", "chronic post-traumatic stress", "PTSD (chronic type)"),
    "insomnia": ("primary insomnia, chronic", "insomnia, idiopathic", "primary insomnia disorder"),
    "tobacco_use": ("cigarette smoker", "nicotine dependence, cigarette", "current cigarette smoker, dependent"),
}  # fmt: skip

# A fifth battery, written in session 15 before any of its names was measured, for every condition a claim bills
# (not only those with an ``unspecified`` mapping): abbreviations, eponyms, Index lead terms with their subterms in
# the Index's order, lay terms, British spellings and status words, each coding to the same ICD-10-CM code as the
# name it replaces.
SYNONYMS_5: dict[str, tuple[str, ...]] = {
    "htn_stable": ("primary hypertension", "benign essential HTN", "systemic hypertension, controlled"),
    "htn_uncontrolled": ("poorly controlled hypertension", "HTN, above target", "uncontrolled essential hypertension"),
    "t2dm_hyperglycemia": ("type II DM with hyperglycaemia", "DM2 with hyperglycemia, A1c above target",
                           "diabetes mellitus type II, inadequately controlled"),
    "t2dm_insulin_hyperglycemia": ("insulin-treated type 2 diabetes with hyperglycaemia",
                                   "DM2 on basal insulin, hyperglycemic",
                                   "type II diabetes, on insulin, out of control"),
    "t2dm_ckd": ("type 2 diabetic nephropathy with CKD stage 3a", "DM2 with diabetic CKD 3a",
                 "diabetes type 2 with chronic kidney disease stage G3a"),
    "t2dm_neuropathy": ("type 2 DM with symmetric polyneuropathy", "DM2 with diabetic polyneuropathy of both feet",
                        "polyneuropathy due to type 2 diabetes"),
    "hyperlipidemia": ("mixed hyperlipidaemia", "hyperlipoproteinemia type IIb",
                       "elevated cholesterol with elevated triglycerides"),
    "hypothyroid": ("hypothyroid on levothyroxine", "underactive thyroid", "acquired hypothyroidism"),
    "graves": ("Graves disease, without storm", "Basedow's disease", "exophthalmic goitre"),
    "thyroid_nodule": ("nontoxic uninodular goiter", "single thyroid nodule, benign-appearing",
                       "colloid thyroid nodule"),
    "ckd3a": ("CKD stage 3A", "chronic renal disease stage 3a", "CKD G3a, eGFR 52"),
    "obesity_class3": ("obesity, class III, BMI 42", "class 3 obesity (BMI 41)", "grade 3 obesity, BMI 44"),
    "cad_stable": ("coronary atherosclerosis, no angina", "ASHD", "native-vessel CAD without angina pectoris"),
    "afib_doac": ("paroxysmal AFib on apixaban", "PAF on Eliquis", "atrial fibrillation, paroxysmal, on rivaroxaban"),
    "afib_warfarin": ("PAF on Coumadin", "paroxysmal AFib, warfarin anticoagulation",
                      "atrial fibrillation, paroxysmal, on warfarin"),
    "hf_chronic_systolic": ("chronic HFrEF", "chronic systolic heart failure, NYHA class II",
                            "HFrEF (chronic), EF 30%"),
    "hf_acute_on_chronic": ("acute on chronic HFrEF", "acute on chronic systolic congestive heart failure",
                            "acute decompensation of chronic systolic heart failure"),
    "chest_pain_uncertain": ("anterior chest wall pain", "chest pain, atypical, non-cardiac features", "atypical CP"),
    "chest_pain_acs": ("chest pain, rule out ACS", "acute chest pain, possible unstable angina", "chest pain, r/o MI"),
    "palpitations": ("heart palpitations", "awareness of heartbeat, intermittent", "palpitations, undifferentiated"),
    "syncope": ("fainting episode", "syncope and collapse", "vasovagal syncope"),
    "aortic_stenosis": ("aortic valve stenosis, moderate", "moderate calcific aortic stenosis", "AS (moderate)"),
    "copd_stable": ("COPD, GOLD stage 2, stable", "chronic obstructive airway disease",
                    "chronic obstructive lung disease, stable"),
    "copd_exacerbation": ("AE-COPD", "COPD with acute exacerbation, on prednisone", "exacerbation of COPD"),
    "asthma_stable": ("moderate persistent asthma, well-controlled, no exacerbation",
                      "asthma, moderate persistent, uncomplicated", "moderate persistent bronchial asthma"),
    "asthma_exacerbation": ("moderate persistent asthma, acute exacerbation",
                            "acute exacerbation of moderate persistent asthma",
                            "moderate persistent asthma with exacerbation"),
    "osa": ("obstructive sleep apnoea, on CPAP", "OSAHS", "obstructive sleep apnea-hypopnea"),
    "pulmonary_nodule": ("coin lesion of the lung", "solitary lung nodule, 7 mm",
                         "single pulmonary nodule, right upper lobe"),
    "chronic_cough": ("refractory chronic cough", "chronic persistent cough", "unexplained cough, 3 months"),
    "pneumonia": ("community acquired pneumonia", "CAP, treated as outpatient", "pneumonia, unspecified organism"),
    "viral_uri": ("URTI", "acute upper respiratory tract infection, viral", "viral URI"),
    "strep_pharyngitis": ("strep throat, rapid antigen positive", "group A streptococcal pharyngitis",
                          "streptococcal sore throat"),
    "sinusitis": ("acute maxillary sinusitis, bacterial", "acute antral sinusitis", "maxillary sinusitis, acute onset"),
    "cystitis": ("acute cystitis, without haematuria", "acute bladder infection, no blood in urine",
                 "cystitis, acute, uncomplicated"),
    "pyelonephritis": ("acute pyelitis", "acute infectious pyelonephritis", "pyelonephritis, acute, uncomplicated"),
    "influenza": ("the flu, clinical diagnosis", "influenza, virus unidentified", "clinical influenza"),
    "covid": ("SARS-CoV-2 infection", "COVID-19, confirmed by antigen test", "coronavirus disease 2019"),
    "otitis_media": ("acute OM, {side} ear", "{side} middle ear infection", "{side} ear otitis media"),
    "conjunctivitis": ("acute {side} pink eye", "{side} eye acute conjunctivitis", "conjunctivitis, {side} eye, acute"),
    "ankle_sprain": ("sprained {side} ankle", "sprain, ankle, {side}", "{side} ankle ligament sprain"),
    "low_back_strain": ("lumbar strain", "lower back muscle strain", "strain of low back, acute"),
    "laceration_hand": ("{side} hand laceration without foreign body", "laceration, {side} hand",
                        "cut to the {side} hand"),
    "gastroenteritis": ("viral enteritis", "acute viral gastroenteritis", "gastroenteritis due to a virus"),
    "migraine": ("migraine, not intractable, no status migrainosus", "migraine attack, not intractable",
                 "migrainous headache"),
    "allergic_reaction": ("urticaria, allergic", "allergic hives, acute", "urticaria due to an allergic reaction"),
    "cerumen": ("{side} impacted ear wax", "cerumen impaction of the {side} ear", "impacted cerumen, {side} ear canal"),
    "knee_oa": ("osteoarthritis, {side} knee", "{side} knee degenerative joint disease", "{side} knee OA (primary)"),
    "shoulder_impingement": ("{side} shoulder impingement syndrome", "impingement syndrome, {side} shoulder",
                             "{side} subacromial impingement syndrome"),
    "trigger_finger": ("{side} long finger trigger finger", "trigger digit, {side} middle finger",
                       "{side} third finger stenosing tenosynovitis"),
    "lateral_epicondylitis": ("tennis elbow, {side}", "epicondylitis, lateral, {side} elbow",
                              "{side} elbow lateral epicondylitis"),
    "carpal_tunnel": ("{side} CTS", "{side}-sided carpal tunnel syndrome",
                      "median nerve entrapment at the {side} carpal tunnel"),
    "lumbar_radiculopathy": ("lumbar radiculopathy, L4", "radiculopathy, lumbar region",
                             "lumbar nerve root radiculopathy"),
    "wrist_sprain": ("sprained {side} wrist", "sprain, {side} wrist", "{side} wrist ligament sprain"),
    "gout_flare": ("gout attack, {side} big toe", "acute gouty arthritis of the {side} first MTP joint",
                   "{side} great toe gout, flaring"),
    "actinic_keratosis": ("solar keratoses", "actinic keratoses of the scalp", "senile keratoses"),
    "skin_lesion_uncertain": ("neoplasm of skin, unspecified behavior", "skin neoplasm, behavior unspecified, biopsied",
                              "skin growth of unspecified behavior, biopsied"),
    "common_wart": ("verrucae vulgares", "common warts, hands", "verruca vulgaris of the fingers"),
    "acne": ("acne vulgaris, papulopustular", "common acne", "acne vulgaris (moderate)"),
    "psoriasis": ("psoriasis vulgaris, stable", "plaque-type psoriasis", "nummular psoriasis"),
    "psoriasis_methotrexate": ("plaque-type psoriasis on weekly methotrexate", "psoriasis vulgaris, on MTX",
                               "plaque psoriasis maintained on methotrexate"),
    "abscess_axilla": ("{side} axilla abscess", "abscess, {side} axillary region", "{side} armpit abscess"),
    "skin_tags": ("irritated acrochordons", "neck skin tags", "cutaneous skin tags, inflamed"),
    "keloid": ("cheloid scar", "keloid of the chest", "keloid scarring"),
    "atopic_dermatitis": ("atopic eczema flare-up", "flare of atopic dermatitis", "atopic dermatitis, exacerbated"),
    "contraception_depo": ("surveillance of injectable contraceptive (Depo-Provera)",
                           "DMPA contraception, due for next injection", "Depo shot for contraception, repeat"),
    "vaginal_candidiasis": ("acute vaginal thrush", "acute candidal vulvovaginitis", "acute monilial vulvovaginitis"),
    "bacterial_vaginosis": ("BV (bacterial vaginosis)", "Gardnerella bacterial vaginosis",
                            "symptomatic bacterial vaginosis"),
    "pelvic_pain": ("pelvic pain, right side", "right-sided pelvic pain, etiology unclear", "pain in the right pelvis"),
    "menorrhagia": ("hypermenorrhoea", "heavy menstrual bleeding, regular cycles",
                    "menorrhagia (heavy menses, regular cycle)"),
    "pcos": ("Stein-Leventhal syndrome", "polycystic ovarian disease", "PCO syndrome"),
    "postmenopausal_bleeding": ("post-menopausal bleeding", "bleeding after menopause",
                                "postmenopausal uterine bleeding"),
    "gerd_esophagitis": ("GORD with oesophagitis", "reflux oesophagitis, no bleeding",
                         "erosive esophagitis due to GERD"),
    "ibs_d": ("IBS-D", "diarrhoea-predominant IBS", "irritable bowel with diarrhea"),
    "crohns": ("regional enteritis of the small intestine", "ileal Crohn disease, uncomplicated",
               "Crohn's disease, small bowel, quiescent"),
    "ulcerative_colitis_flare": ("left-sided UC, active", "UC of the left colon, flaring",
                                 "ulcerative colitis, left sided, in flare"),
    "hep_c": ("chronic HCV infection", "hepatitis C, chronic", "chronic viral hepatitis C"),
    "rectal_bleeding": ("BRBPR", "rectal haemorrhage", "bleeding from the rectum"),
    "ruq_pain": ("RUQ abdominal pain", "abdominal pain, right upper quadrant", "pain in the right upper quadrant"),
    "fatty_liver": ("NAFLD", "hepatic steatosis", "metabolic dysfunction-associated steatotic liver disease"),
    "iron_deficiency_anemia": ("iron deficiency anaemia", "anemia, iron deficiency",
                               "microcytic iron-deficiency anemia"),
    "mdd_recurrent_moderate": ("recurrent MDD, moderate", "major depression, recurrent, moderate",
                               "recurrent depressive disorder, current episode moderate"),
    "gad": ("generalised anxiety disorder", "anxiety neurosis", "GAD, controlled on sertraline"),
    "bipolar_lithium": ("bipolar disorder type II, on lithium", "bipolar II affective disorder",
                        "BP-II on lithium, euthymic"),
    "adhd": ("ADHD, combined presentation", "ADHD-C", "attention deficit hyperactivity disorder, combined type"),
    "ptsd_chronic": ("PTSD, chronic", "posttraumatic stress disorder, chronic",
                     "chronic post-traumatic stress disorder (PTSD)"),
    "alcohol_use_disorder": ("alcohol dependence, uncomplicated", "moderate alcohol use disorder", "alcoholism"),
    "opioid_use_disorder": ("opioid dependence on Suboxone", "severe OUD, maintained on buprenorphine",
                            "opiate dependence, on buprenorphine-naloxone"),
    "schizophrenia_clozapine": ("schizophrenia, on Clozaril", "schizophrenic disorder, stable on clozapine",
                                "schizophrenia, clozapine-maintained"),
    "insomnia": ("idiopathic insomnia", "primary insomnia disorder", "insomnia, primary, chronic"),
    "tobacco_use": ("cigarette smoker, nicotine dependent", "nicotine dependence due to cigarettes",
                    "tobacco dependence, cigarettes"),
    "b12_deficiency": ("vit B12 deficiency", "B12 deficiency, on monthly injections", "cyanocobalamin deficiency"),
    "hypogonadism": ("testicular hypogonadism, on testosterone", "male hypogonadism, on TRT",
                     "hypogonadism (male), on testosterone replacement"),
}  # fmt: skip


# A sixth battery, written in session 16 before any of its names was measured, for every condition with an
# ``unspecified`` mapping: the styles batteries 1-5 under-use. ICD title and Index order with commas ("osteoarthritis,
# knee, right"), detail after the noun or in parentheses ("knee OA (right)", "heart failure - systolic, chronic"),
# dictated forms ("stage three A"), specialist-letter wording (Montreal class, LA grade, NCS), eponyms and Latin forms
# (Graves-Basedow, morbus Crohn, colitis ulcerosa), British spellings, tabular inclusion terms (acute antritis,
# decompensated COPD, septic pharyngitis) and problem-list abbreviations (c/b, w/o, GAS, SIS, CCF, COAD, ppd), each
# coding to the same ICD-10-CM code as the name it replaces.
SYNONYMS_6: dict[str, tuple[str, ...]] = {
    "t2dm_hyperglycemia": ("diabetes, type 2, with hyperglycemia", "diabetes type two with hyperglycemia",
                           "type 2 diabetes (hyperglycaemic)", "T2DM c/b hyperglycaemia"),
    "t2dm_insulin_hyperglycemia": ("diabetes, type 2, with hyperglycemia, on long-term insulin",
                                   "diabetes type two on insulin with hyperglycemia",
                                   "T2DM on insulin (hyperglycaemic)",
                                   "type 2 DM, insulin-requiring, c/b hyperglycemia"),
    "t2dm_ckd": ("diabetes, type 2, with diabetic chronic kidney disease, stage 3a",
                 "diabetes type two with chronic kidney disease stage three A",
                 "CKD stage 3a secondary to type 2 diabetes", "T2DM c/b diabetic kidney disease (stage G3a)"),
    "t2dm_neuropathy": ("diabetes, type 2, with polyneuropathy", "diabetes type two with diabetic polyneuropathy",
                        "type 2 diabetes with diabetic neuralgia", "T2DM (diabetic polyneuropathy, both feet)"),
    "hyperlipidemia": ("hyperlipidaemia, mixed", "combined hyperlipidaemia (raised LDL and TG)",
                       "dysbetalipoproteinaemia", "hypercholesterolaemia with endogenous hyperglyceridaemia"),
    "graves": ("thyrotoxicosis with diffuse goitre, no crisis", "Graves-Basedow disease", "goitre, toxic, diffuse",
               "Graves' thyrotoxicosis (no storm)"),
    "ckd3a": ("kidney disease, chronic, stage 3a", "chronic kidney disease stage three A", "CKD G3a A2",
              "chronic renal failure, stage 3a (eGFR 48)"),
    "obesity_class3": ("obesity class three with BMI forty-two", "WHO class III obesity, BMI 43",
                       "obesity - class 3 (BMI 41.2)", "obese, class III (BMI 44)"),
    "afib_doac": ("fibrillation, atrial, paroxysmal, on a DOAC", "paroxysmal AF (self-terminating) on dabigatran",
                  "pAF - anticoagulated with edoxaban", "paroxysmal atrial fib, on Xarelto"),
    "afib_warfarin": ("fibrillation, atrial, paroxysmal, on warfarin", "paroxysmal AF (self-terminating) on Coumadin",
                      "pAF - anticoagulated with warfarin, INR in range",
                      "paroxysmal atrial fib, on a vitamin K antagonist"),
    "hf_chronic_systolic": ("heart failure - systolic, chronic", "failure, heart, systolic, chronic",
                            "chronic systolic CCF", "chronic systolic heart failure ejection fraction thirty percent"),
    "hf_acute_on_chronic": ("heart failure - systolic, acute on chronic", "failure, heart, systolic, acute on chronic",
                            "acute on chronic systolic CCF", "acute-on-chronic systolic cardiac failure"),
    "chest_pain_uncertain": ("pain, chest, atypical", "chest pain - atypical features", "anterior chest-wall pain",
                             "musculoskeletal chest pain"),
    "copd_exacerbation": ("COPD - acute exacerbation", "chronic obstructive airways disease with acute exacerbation",
                          "obstructive lung disease, chronic, with acute exacerbation", "decompensated COPD"),
    "asthma_stable": ("asthma - moderate persistent, uncomplicated", "bronchial asthma, moderate persistent",
                      "moderate persistent asthma, no recent flares", "asthma (moderate, persistent), stable"),
    "asthma_exacerbation": ("asthma - moderate persistent, acute exacerbation",
                            "bronchial asthma, moderate persistent, exacerbated",
                            "moderate persistent asthma with an acute flare",
                            "exacerbation of asthma (moderate persistent)"),
    "chronic_cough": ("cough - chronic", "persistent cough (10 weeks)", "chronic cough > 8 wks",
                      "cough, chronic, unexplained"),
    "strep_pharyngitis": ("pharyngitis - streptococcal", "GAS pharyngitis", "strep throat (rapid strep +)",
                          "septic pharyngitis"),
    "sinusitis": ("sinusitis - acute, maxillary", "acute antritis", "acute maxillary sinusitis (bacterial likely)",
                  "maxillary sinus infection, acute"),
    "cystitis": ("cystitis - acute, no hematuria", "acute cystitis w/o hematuria", "acute cystitis, no haematuria",
                 "acute bladder infection (no hematuria)"),
    "pyelonephritis": ("pyelonephritis - acute", "acute infectious interstitial nephritis",
                       "acute pyelonephritis (left-sided)", "acute upper UTI - pyelonephritis"),
    "otitis_media": ("otitis media - {side} ear", "{side} OM (acute)", "acute otitis media affecting the {side} ear",
                     "{side} ear AOM"),
    "conjunctivitis": ("conjunctivitis - acute, {side} eye", "{side} eye: acute conjunctivitis",
                       "acute conjunctivitis of {side} eye", "acute conjunctivitis ({side})"),
    "allergic_reaction": ("urticaria - allergic", "hives (allergic)", "allergic urticaria, acute onset",
                          "urticaria of allergic origin"),
    "knee_oa": ("osteoarthritis, knee, {side}", "knee OA ({side})", "{side} knee tricompartmental osteoarthritis",
                "{side} medial compartment knee OA"),
    "shoulder_impingement": ("impingement syndrome, shoulder, {side}", "shoulder impingement ({side})",
                             "subacromial impingement of the {side} shoulder", "{side} shoulder SIS"),
    "carpal_tunnel": ("syndrome, carpal tunnel, {side} wrist", "CTS ({side})",
                      "{side} carpal tunnel syndrome, moderate on NCS",
                      "{side} median mononeuropathy at the wrist (carpal tunnel)"),
    "lumbar_radiculopathy": ("radiculopathy - lumbar", "lumbar radiculopathy (L5)",
                             "radiculopathy, lumbar, left L4 distribution", "radiculopathy of lumbar nerve roots"),
    "gout_flare": ("gout, idiopathic, {side} ankle and foot", "{side} great toe gout (acute attack)",
                   "gout - acute, {side} first MTP joint", "gouty arthritis of the {side} hallux"),
    "common_wart": ("warts - common, both hands", "verruca vulgaris (fingers)", "common viral warts of the hands",
                    "multiple verrucae vulgares, dorsal hands"),
    "acne": ("acne - vulgaris", "acne vulgaris (mild to moderate)", "acne vulgaris of the face and back",
             "inflammatory acne vulgaris"),
    "psoriasis": ("psoriasis - plaque type", "psoriasis vulgaris (elbows, knees)", "chronic plaque psoriasis, BSA 5%",
                  "discoid psoriasis"),
    "psoriasis_methotrexate": ("psoriasis - plaque type, on methotrexate", "psoriasis vulgaris (on MTX)",
                               "chronic plaque psoriasis, BSA 5%, on methotrexate",
                               "discoid psoriasis on weekly methotrexate"),
    "abscess_axilla": ("abscess, axilla, {side}", "axillary abscess - {side} side", "{side} axilla: cutaneous abscess",
                       "{side} underarm skin abscess"),
    "pelvic_pain": ("pain, pelvic, right side", "pelvic pain (R)", "pelvic pain, localised right",
                    "right-side pelvic pain of unclear origin"),
    "gerd_esophagitis": ("gastro-oesophageal reflux disease with oesophagitis", "GERD - with esophagitis, no bleeding",
                         "oesophagitis, reflux", "reflux esophagitis, LA grade B"),
    "ibs_d": ("irritable bowel syndrome - diarrhoea predominant", "IBS (diarrhoea-predominant)",
              "IBS, diarrhea subtype (Rome IV)", "irritable bowel syndrome with diarrhoea, flaring"),
    "crohns": ("Crohn's disease - small bowel, no complications", "regional ileitis, uncomplicated",
               "terminal ileitis (Crohn's), quiescent", "morbus Crohn of the ileum, uncomplicated"),
    "ulcerative_colitis_flare": ("ulcerative colitis - left-sided, flaring", "colitis, ulcerative, left-sided, active",
                                 "left-sided UC (Montreal E2), flaring", "colitis ulcerosa, left-sided, in relapse"),
    "ruq_pain": ("pain, abdominal, right upper quadrant", "abdominal pain (RUQ)", "right upper quadrant abdo pain",
                 "RUQ abd pain, unclear cause"),
    "mdd_recurrent_moderate": ("MDD - recurrent, moderate", "major depression, recurrent (moderate)",
                               "MDD, recurrent, mod severity",
                               "recurrent major depressive disorder, moderate (PHQ-9 of 14)"),
    "gad": ("anxiety disorder - generalized", "anxiety, generalized", "generalised anxiety disorder (GAD-7 12)",
            "GAD - on escitalopram"),
    "adhd": ("ADHD - combined type", "attention deficit hyperactivity disorder (combined)",
             "ADHD, combined inattentive/hyperactive-impulsive presentation",
             "attention deficit hyperactivity disorder, combined subtype, on methylphenidate"),
    "ptsd_chronic": ("PTSD - chronic", "post-traumatic stress disorder (chronic)", "chronic combat-related PTSD",
                     "post-traumatic stress disorder, chronic (symptoms > 3 months)"),
    "insomnia": ("insomnia - primary", "insomnia (primary type)", "idiopathic insomnia, lifelong",
                 "primary insomnia, on CBT-I"),
    "tobacco_use": ("nicotine dependence - cigarettes", "dependence, nicotine, cigarettes",
                    "cigarette dependence (1 ppd)",
                    "nicotine-dependent cigarette smoker, 20 pack-years"),
}  # fmt: skip


BATTERIES: dict[int, dict[str, tuple[str, ...]]] = {
    1: SYNONYMS,
    2: SYNONYMS_2,
    3: SYNONYMS_3,
    4: SYNONYMS_4,
    5: SYNONYMS_5,
    6: SYNONYMS_6,
}


def _patterns(synonyms: dict[str, tuple[str, ...]] = SYNONYMS) -> list[tuple[str, re.Pattern[str]]]:
    """(condition key, pattern of one of its names as a note writes it), longest name first. Only the names a
    validation family draws (``names[:-1]`` where there are three or more) are read."""
    out: list[tuple[str, str]] = []
    for condition in load_knowledge().conditions:
        if condition.key not in synonyms:
            continue
        names = condition.names[:-1] if len(condition.names) >= 3 else condition.names
        out.extend((condition.key, name) for name in names)
    out.sort(key=lambda kn: -len(kn[1]))
    compiled: list[tuple[str, re.Pattern[str]]] = []
    for key, name in out:
        body = re.escape(name).replace(re.escape("{side}"), r"(?P<side>right|left)")
        compiled.append((key, re.compile(rf"(?<![\w-]){body}(?![\w-])", re.IGNORECASE)))
    return compiled


def rewrite(
    text: str,
    rng: random.Random,
    patterns: list[tuple[str, re.Pattern[str]]],
    synonyms: dict[str, tuple[str, ...]] = SYNONYMS,
) -> tuple[str, int]:
    """``text`` with each condition name replaced by one synonym (the same one throughout the note).

    Names are found in the text as written, longest first, and a shorter name inside a longer one's span is left to
    it: a synonym is never read again as a name ("acquired hypothyroidism" stays one, not "acquired acquired ...")."""
    chosen: dict[str, str] = {}
    taken: list[tuple[int, int, str]] = []
    for key, pattern in patterns:
        for match in pattern.finditer(text):
            if any(match.start() < end and start < match.end() for start, end, _ in taken):
                continue
            synonym = chosen.setdefault(key, rng.choice(synonyms[key]))
            side = match.groupdict().get("side")
            taken.append((match.start(), match.end(), synonym.replace("{side}", (side or "").lower())))
    out: list[str] = []
    position = 0
    for start, end, replacement in sorted(taken):
        out += (text[position:start], replacement)
        position = end
    out.append(text[position:])
    return "".join(out), len(taken)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--battery", type=int, choices=sorted(BATTERIES), default=1, help="which names to write")
    args = parser.parse_args()
    synonyms = BATTERIES[args.battery]
    patterns = _patterns(synonyms)
    rng = random.Random(args.seed)
    rewritten = notes = 0
    with args.data.open() as source, args.out.open("w") as sink:
        for raw in source:
            record = json.loads(raw)
            record["text"], n = rewrite(record["text"], rng, patterns, synonyms)
            rewritten += n
            notes += n > 0
            sink.write(json.dumps(record) + "\n")
    print(f"rewrote {rewritten} names in {notes} notes -> {args.out}")


if __name__ == "__main__":
    main()
