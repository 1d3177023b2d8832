Feature: Every emergency caught, and no sports strain sent to the emergency department
  Each family below follows a named guideline (rules/sources.yaml). A false alarm is fixed by a
  more exact condition (the mechanism, the duration, a denied key sign), never by lowering a
  red flag: the emergency scenarios here stay emergencies.

  # --- testicular torsion: a question answered, not a guess (NICE CKS scrotal pain) -----------
  Scenario: A young man's sudden groin pain is torsion until his testicles are asked about
    Given a person reporting sudden pain and groin pain
    And the person is 24 years old
    And the person is a man
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "sudden_groin_pain_young_man" is raised

  Scenario: A footballer who felt a twinge kicking a ball, testicles not painful, is not sent to an emergency department
    Given a person reporting sudden pain, groin pain, kicking sports and felt a pop
    And the person is 24 years old
    And the person is a man
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the finding "sudden_groin_pain_young_man" is not noted
    And adding testicle pain raises the triage level to "emergency"

  Scenario: A boy's sudden groin pain during a sprint, testicles not painful, is an X-ray today (possible avulsion)
    Given a person reporting sudden pain, groin pain, pulled it sprinting and pain lifting the knee
    And the person is 14 years old
    And the person is a man
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "adolescent_avulsion" is raised
    And "A piece of bone pulled off by a muscle (avulsion fracture)" is raised as another cause to discuss

  Scenario: A teenage girl's sudden groin pain during a jump is an X-ray today, not an emergency
    Given a person reporting sudden pain, groin pain, injury mechanism and limp
    And the person is 16 years old
    And the person is a woman
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "urgent"

  # --- ovarian torsion and ectopic pregnancy (BMJ Best Practice; NICE NG126) -----------------
  Scenario Outline: Sudden pain low in a woman's belly is an emergency with vomiting, severe pain or a possible pregnancy
    Given a person reporting <findings>
    And the person is 28 years old
    And the person is a woman
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "<rule>" is raised

    Examples:
      | findings                                | rule                                   |
      | sudden pain, pelvic pain and vomiting   | sudden_pelvic_pain_with_vomiting_woman |
      | sudden pain, groin pain and vomiting    | sudden_pelvic_pain_with_vomiting_woman |
      | sudden pain, pregnant and pelvic pain   | pregnancy_sudden_belly_or_pelvic_pain  |

  Scenario: Sudden severe pelvic pain in a woman of 31 goes to an emergency department
    Given a person reporting sudden pain and pelvic pain
    And the pain is 8 out of 10
    And the person is 31 years old
    And the person is a woman
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "sudden_severe_pelvic_pain_woman" is raised

  # --- acute limb ischaemia (ESVS 2020) -------------------------------------------------------
  Scenario Outline: A leg that may have lost its blood supply goes to an emergency department
    Given a person reporting <finding>
    And the person is 68 years old
    When the symptoms are assessed
    Then the triage level is "emergency"
    And "Loss of blood supply to a leg (acute limb ischaemia)" is raised as another cause to discuss

    Examples:
      | finding                |
      | cold leg               |
      | sudden leg numbness    |
      | sudden severe leg pain |

  # --- bleeding into the iliopsoas on an anticoagulant (NICE CKS oral anticoagulation) --------
  Scenario Outline: On blood thinners, a sign of a major bleed into the psoas is an emergency
    Given a person reporting blood thinners, <findings>
    And the person is 72 years old
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "<rule>" is raised

    Examples:
      | findings                            | rule                                         |
      | groin pain and hip held bent        | anticoagulant_hip_held_bent_or_thigh_deficit |
      | hip pain and numb front of thigh    | anticoagulant_hip_held_bent_or_thigh_deficit |
      | groin pain and fainted              | anticoagulant_fainting                       |

  Scenario: On blood thinners, sudden 8/10 groin pain is an emergency
    Given a person reporting blood thinners, sudden pain and groin pain
    And the pain is 8 out of 10
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "anticoagulant_severe_sudden_pain" is raised

  Scenario: On blood thinners, gradual groin pain is seen today
    Given a person reporting blood thinners and groin pain
    And the pain has lasted 5 days
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "anticoagulant_groin_or_hip_flexor_symptoms" is raised

  # --- a femoral nerve deficit is a warning sign (NICE CKS sciatica) --------------------------
  Scenario: Weak hip flexion with numbness at the front of the thigh is seen today
    Given a person reporting weak hip flexors and numb front of thigh
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "weak_hip_flexion_with_numbness" is raised
    And "Bleeding into the iliopsoas muscle" is raised as another cause to discuss

  # --- psoas abscess without fever ------------------------------------------------------------
  Scenario Outline: A psoas sign with an infection risk is seen today, even without fever
    Given a person reporting <risk> and <sign>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "<rule>" is raised

    Examples:
      | risk               | sign                | rule                                |
      | injecting drug use | pain lifting the knee | injecting_drug_use_with_psoas_sign |
      | immunosuppressed   | groin pain          | immunosuppression_with_psoas_sign   |
      | long-term steroids | limp                | long_term_steroids_with_psoas_sign  |
      | diabetes           | hip held bent       | diabetes_with_psoas_sign            |

  # --- symptoms in both legs (GIRFT cauda equina pathway) -------------------------------------
  Scenario: New symptoms in both legs with back pain stay an emergency
    Given a person reporting low back pain and both legs
    And the pain has lasted 3 days
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "back_pain_with_both_legs" is raised

  Scenario: Long-standing legs heavy on walking, saddle and bladder denied, is a consultation (spinal stenosis)
    Given a person reporting low back pain, both legs and heavy legs when walking
    And the person is 72 years old
    And the pain has lasted 2 years
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the finding "back_pain_with_both_legs" is not noted
    And adding numbness between the legs raises the triage level to "emergency"

  Scenario: Long-standing symptoms in both legs, saddle and bladder not yet asked, are seen today
    Given a person reporting low back pain and both legs
    And the pain has lasted 2 years
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "long_standing_both_legs_cauda_equina_not_asked" is raised

  # --- aortic aneurysm versus a fragility fracture (NICE NG156) -------------------------------
  Scenario: Sudden back pain at 70 in a man is an emergency (possible aneurysm)
    Given a person reporting sudden pain and low back pain
    And the person is 70 years old
    And the person is a man
    When the symptoms are assessed
    Then the triage level is "emergency"

  Scenario: A known aneurysm with new back pain is an emergency, at any age and of either sex
    Given a person reporting aortic aneurysm and low back pain
    And the person is 48 years old
    And the person is a woman
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "known_aneurysm_with_back_or_belly_pain" is raised

  Scenario: Sudden back pain after lifting in a woman of 74 with osteoporosis is seen today, not an emergency
    Given a person reporting sudden pain, low back pain and osteoporosis
    And the person is 74 years old
    And the person is a woman
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "sudden_back_pain_with_osteoporosis" is raised
    And adding fainted raises the triage level to "emergency"

  # --- pregnancy (NICE NG201; RCOG pelvic girdle pain) ----------------------------------------
  Scenario: Pelvic girdle pain at 30 weeks is a consultation with a midwife or physiotherapist
    Given a person reporting pregnant, second trimester, pelvic girdle pain and pain getting up from sitting
    And the person is 31 years old
    And the person is a woman
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the finding "pelvic_girdle_pain_in_pregnancy" is noted

  Scenario: Belly pain with bleeding later in pregnancy is an emergency
    Given a person reporting pregnant, second trimester, belly pain and vaginal bleeding
    And the person is 29 years old
    And the person is a woman
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "later_pregnancy_pain_with_bleeding" is raised

  # --- cancer now and clots after an operation ------------------------------------------------
  Scenario: Back pain with cancer now is seen today; with numb legs it is an emergency
    Given a person reporting cancer treatment and low back pain
    When the symptoms are assessed
    Then the triage level is "urgent"
    And adding numb leg raises the triage level to "emergency"

  Scenario: Breathlessness after a hip replacement years ago is not treated as a clot after surgery
    Given a person reporting short of breath and hip replacement
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the finding "breathlessness_after_surgery" is not noted

  Scenario: A boy with sudden groin pain and vomiting goes to an emergency department even when his testicles do not hurt
    Given a person reporting sudden pain, groin pain and vomiting
    And the person denies testicle pain
    And the person is 14 years old
    And the person is a man
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "sudden_groin_pain_with_vomiting_young" is raised

  Scenario: Severe belly pain when pregnancy is possible goes to an emergency department
    Given a person reporting pregnant and belly pain
    And the pain is 8 out of 10
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "pregnancy_severe_belly_or_pelvic_pain" is raised

  Scenario Outline: Sudden severe pain later in pregnancy is seen today, and in the belly it is an emergency
    Given a person reporting pregnant, second trimester, sudden pain and <where>
    And the pain is 8 out of 10
    When the symptoms are assessed
    Then the triage level is "<level>"
    And the red flag "<rule>" is raised

    Examples:
      | where         | level     | rule                                     |
      | low back pain | urgent    | later_pregnancy_sudden_severe_pain       |
      | belly pain    | emergency | later_pregnancy_sudden_severe_belly_pain |

  Scenario: Bleeding within six weeks of giving birth is seen today
    Given a person reporting postpartum and vaginal bleeding
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "bleeding_after_birth" is raised

  Scenario: A swollen calf after an operation names the clot risk
    Given a person reporting swollen calf and recent surgery
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "calf_swelling_with_clot_risk" is raised
    And adding short of breath raises the triage level to "emergency"

  Scenario: Sudden back pain on long-term steroids is seen today (possible fragility fracture)
    Given a person reporting sudden pain, low back pain and long-term steroids
    And the person is 45 years old
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "sudden_back_pain_with_long_term_steroids" is raised
