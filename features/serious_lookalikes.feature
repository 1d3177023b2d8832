@safety
Feature: Serious look-alikes of psoas pain are caught, in children and older adults too
  Pain in the back, hip, groin or belly can come from something far more serious than a tight
  psoas: a broken hip after a fall, a leaking aortic aneurysm, an abscess or an infected joint,
  a twisted testicle or ovary, an ectopic pregnancy, a blood clot, a trapped hernia, a kidney
  stone, a slipped growth plate in a teenager. These rules follow published red-flag guidance
  for each family. Each sets a minimum triage level whatever the psoas score says; urgent means
  today, within hours. Age is context here: some rules are for children only.

  # --- the cases measured before this safety net existed ---------------------------------------

  Scenario: A motorbike crash with severe back pain goes to an emergency department
    Given a person reporting significant injury and low back pain
    And the pain is 8 out of 10
    And the pain started today
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "High-energy injury with back, hip, groin or pelvic pain (possible fracture)" is raised
    And an emergency department is recommended
    And no self-care advice is offered

  Scenario: An older man with sudden back and belly pain may have a leaking aortic aneurysm
    Given a person reporting sudden pain, low back pain and belly pain
    And the person is 70 years old
    And the person is a man
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "sudden_pain_older_adult" is raised
    And "Abdominal aortic aneurysm" is raised as another cause to discuss
    And an emergency department is recommended

  Scenario Outline: Fever with a sign in the psoas area is seen today (psoas abscess, infected joint)
    Given a person reporting fever and <sign>
    When the symptoms are assessed
    Then the triage level is "<level>"
    And the red flag "<red flag>" is raised
    And a doctor is recommended
    And the advice on when to seek help <same day> "If no doctor can see you today, go to an emergency department"

    # At emergency the advice is to go now, so the same-day fallback is not offered.
    Examples:
      | sign                    | level     | red flag                 | same day         |
      | limp                    | urgent    | fever_with_pain          | includes         |
      | pain when lifting the leg | urgent  | fever_with_pain          | includes         |
      | hot swollen joint       | urgent    | fever_with_pain          | includes         |
      | knee pain               | urgent    | fever_with_pain          | includes         |
      | flank pain              | urgent    | fever_with_pain          | includes         |
      | hip held bent           | emergency | fever_with_hip_held_bent | does not include |

  Scenario: An 83-year-old who fell at home with groin pain and a limp is seen today, with no exercises
    Given a person reporting minor fall, groin pain and limp
    And the person is 83 years old
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "older_adult_fall_with_pain" is raised
    And "Fragility fracture (hip, pelvis or spine)" is raised as another cause to discuss
    And a doctor is recommended
    And no self-care advice is offered
    And exercises are held back because "until a professional has assessed the fall"

  Scenario: An 82-year-old the day after a fall is not offered lunges or walking
    Given a person reporting minor fall, groin pain and limp
    And the person is 82 years old
    And the pain started yesterday
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the self-care advice does not include "Lunges"
    And the self-care advice does not include "Gentle walking is fine"
    And exercises are held back because "fall"

  Scenario: A toddler's new limp is seen by a doctor today, not by a physiotherapist
    Given a person reporting limp
    And the person is 2 years old
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "A limp in a child under 3" is raised
    And a doctor is recommended
    And no physiotherapist is recommended
    And no self-care advice is offered

  Scenario: A 6-year-old with a limp sees a doctor, and exercises are held back
    Given a person reporting limp
    And the person is 6 years old
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And a doctor is recommended
    And the self-care advice does not include "Standing knee lifts"
    And exercises are held back because "left out for children and adolescents"

  Scenario: A 12-year-old with knee and front-of-hip pain sees a doctor (slipped growth plate picture)
    Given a person reporting knee pain and tight hip flexor
    And the person is 12 years old
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And "A hip condition of childhood" is raised as another cause to discuss
    And a doctor is recommended
    And the self-care advice does not include "Kneeling psoas (hip flexor) stretch"

  Scenario: A 12-year-old with knee pain and a limp is seen today (slipped growth plate)
    Given a person reporting knee pain and limp
    And the person is 12 years old
    When the symptoms are assessed
    Then the triage level is "urgent"
    And "Slipped upper femoral growth plate" is raised as another cause to discuss

  Scenario: A 15-year-old with sudden 9/10 groin pain, testicles not asked about, goes to an emergency department (possible torsion)
    Given a person reporting sudden pain and groin pain
    And the pain is 9 out of 10
    And the person is 15 years old
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "sudden_groin_pain_boy" is raised
    And "Twisted testicle or ovary (torsion)" is raised as another cause to discuss

  Scenario: A pregnant woman with groin and pelvic pain is checked today, with no exercises or heat
    Given a person reporting pregnant, groin pain and pelvic pain
    And the person is a woman
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "pregnancy_with_belly_or_pelvic_pain" is raised
    And a doctor is recommended
    And a midwife is recommended
    And no self-care advice is offered
    And the advice on what to avoid includes "In pregnancy, no exercises on your back, no loaded core work, no heat on the belly"

  Scenario: In pregnancy a psoas picture keeps gentle advice, without lying on the back, loaded core work or heat
    Given a person reporting pregnant, groin pain, snapping hip and tight hip flexor
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And a doctor is recommended
    And a physiotherapist is recommended
    And self-care advice is offered
    And the self-care advice does not include "Heat over the front of the abdomen"
    And the self-care advice does not include "Standing marching against resistance"
    And the self-care advice does not include "Bridge"
    And the self-care advice does not include "Lying marching and other activation exercises"
    And exercises are held back because "In pregnancy"

  Scenario: 10/10 back pain on day 0 sees a doctor as well as a physiotherapist, and no exercises yet
    Given a person reporting low back pain
    And the pain is 10 out of 10
    And the pain started today
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And a doctor is recommended
    And the self-care advice does not include "Lunges"
    And exercises are held back because "pain of 7 out of 10 or more"

  Scenario: Urgent means today, and an emergency department if no doctor can see you today
    Given a person reporting belly pain and vomiting
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the person is told "today, within the next few hours"
    And the person is told "If no doctor can see you today, go to an emergency department"

  # --- each family ------------------------------------------------------------------------------

  Scenario Outline: Spinal red flags, injuries and fractures
    Given a person reporting <findings>
    And the person is <age> years old
    When the symptoms are assessed
    Then the triage level is "<level>"
    And the red flag "<red flag>" is raised
    And a doctor is recommended

    Examples:
      | findings                                      | age | level     | red flag                            |
      | pain in both legs and low back pain           | 38  | emergency | back_pain_with_both_legs            |
      | pain in both legs                             | 35  | urgent    | both_legs                           |
      | significant injury and groin pain             | 33  | emergency | high_energy_injury_with_pain        |
      | minor fall and low back pain                  | 70  | urgent    | older_adult_fall_with_pain          |
      | minor fall, osteoporosis and low back pain    | 55  | urgent    | fall_with_osteoporosis              |
      | minor fall, long-term steroids and upper back pain | 45 | urgent | fall_on_long_term_steroids         |
      | osteoporosis and low back pain                | 45  | consultation | fragile_bones_with_back_pain     |
      | minor fall, cannot bear weight and hip pain   | 80  | emergency | older_adult_fall_cannot_bear_weight |
      | cannot bear weight and hip pain               | 35  | urgent    | unable_to_bear_weight               |
      | upper back pain                               | 40  | consultation | thoracic_pain                    |
      | history of cancer and upper back pain         | 70  | urgent    | cancer_history_with_back_pain       |

  Scenario: Back pain with long morning stiffness before 45 sees a doctor (inflammatory back pain)
    Given a person reporting low back pain and morning stiffness
    And the person is 28 years old
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the finding "inflammatory_back_pain" is noted
    And a doctor is recommended

  Scenario: A fall in a young adult with a mild ache holds back exercises, but needs no same-day visit
    Given a person reporting minor fall and hip pain
    And the person is 30 years old
    And the pain is 3 out of 10
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is at least "self-care"
    And no red flag is raised
    And exercises are held back because "until a professional has assessed the fall"
    And the self-care advice does not include "Lunges"

  Scenario Outline: Infection, bleeding on blood thinners, aneurysm and blood clots
    Given a person reporting <findings>
    And the person is <age> years old
    When the symptoms are assessed
    Then the triage level is "<level>"
    And the red flag "<red flag>" is raised
    And a doctor is recommended

    Examples:
      | findings                                         | age | level        | red flag                           |
      | feeling unwell and hip held bent                 | 40  | emergency    | fever_with_hip_held_bent           |
      | fever and cannot bear weight                     | 6   | emergency    | child_with_fever_not_bearing_weight |
      | feeling unwell and limp                          | 52  | urgent       | unwell_with_psoas_area_sign        |
      | feeling unwell                                   | 30  | consultation | unwell                             |
      | diabetes, feeling unwell and low back pain       | 63  | urgent       | unwell_back_pain_with_diabetes     |
      | immunosuppressed, feeling unwell and low back pain | 44 | urgent      | unwell_back_pain_immunosuppressed  |
      | long-term steroids, feeling unwell and low back pain | 57 | urgent    | unwell_back_pain_on_steroids       |
      | injecting drug use, feeling unwell and low back pain | 29 | urgent    | unwell_back_pain_injecting_drugs   |
      | injecting drug use and low back pain             | 29  | consultation | infection_risk_with_back_pain      |
      | hot swollen joint and knee pain                  | 40  | urgent       | hot_swollen_joint                  |
      | blood thinners, sudden pain and groin pain       | 74  | urgent       | anticoagulant_sudden_groin_pain    |
      | blood thinners and weakness lifting the thigh    | 66  | urgent       | anticoagulant_groin_or_hip_flexor_symptoms |
      | sudden pain and flank pain                       | 66  | emergency    | sudden_pain_older_adult            |
      | sudden pain and low back pain                    | 55  | urgent       | sudden_pain_from_fifty             |
      | fainted and low back pain                        | 64  | emergency    | pain_with_collapse                 |
      | fainted                                          | 40  | urgent       | collapse_or_fainting               |
      | swollen calf and short of breath                 | 50  | emergency    | calf_swelling_with_breathlessness  |
      | short of breath and recent surgery               | 60  | emergency    | breathlessness_after_surgery       |
      | swollen calf, hip replacement and hip pain       | 71  | urgent       | calf_swelling                      |
      | short of breath and hip pain                     | 55  | urgent       | breathlessness                     |

  Scenario Outline: Aneurysm risk is higher in men: sudden back pain at 58
    Given a person reporting sudden pain and low back pain
    And the person is 58 years old
    And the person is a <sex>
    When the symptoms are assessed
    Then the triage level is "<level>"

    Examples:
      | sex   | level     |
      | man   | emergency |
      | woman | urgent    |

  Scenario Outline: Belly, urinary, hernia, torsion, pregnancy and gynaecology
    Given a person reporting <findings>
    And the person is <age> years old
    When the symptoms are assessed
    Then the triage level is "<level>"
    And the red flag "<red flag>" is raised
    And a doctor is recommended

    Examples:
      | findings                                        | age | level        | red flag                          |
      | belly pain and vomiting                         | 19  | urgent       | abdominal_pain_with_vomiting      |
      | belly pain                                      | 70  | urgent       | abdominal_pain_from_sixty_five    |
      | vomiting and groin pain                         | 30  | urgent       | vomiting_with_groin_or_side_pain  |
      | vomiting                                        | 30  | consultation | vomiting                          |
      | sudden pain and pelvic pain                     | 30  | urgent       | sudden_belly_or_pelvic_pain       |
      | flank pain and blood in urine                   | 45  | urgent       | side_pain_with_blood_in_urine     |
      | painful urination and fever                     | 40  | urgent       | painful_urination_with_fever      |
      | blood in urine                                  | 62  | consultation | urinary_symptoms                  |
      | flank pain                                      | 40  | consultation | side_pain                         |
      | groin lump and vomiting                         | 60  | emergency    | groin_lump_with_vomiting          |
      | groin lump                                      | 50  | consultation | groin_lump                        |
      | testicle pain and sudden pain                   | 16  | emergency    | sudden_scrotal_pain               |
      | testicle pain                                   | 35  | urgent       | scrotal_pain                      |
      | sudden pain and pelvic pain                     | 13  | emergency    | sudden_belly_or_pelvic_pain_young |
      | pregnant, vaginal bleeding and pelvic pain      | 29  | emergency    | pregnancy_pain_with_bleeding      |
      | pregnant and fainted                            | 31  | emergency    | pregnancy_with_fainting           |
      | pregnant and belly pain                         | 24  | urgent       | pregnancy_with_belly_or_pelvic_pain |
      | pregnant and vaginal bleeding                   | 24  | urgent       | pregnancy_with_bleeding           |
      | vaginal bleeding and pelvic pain                | 27  | urgent       | pelvic_or_belly_pain_with_bleeding |
      | vaginal bleeding                                | 40  | consultation | vaginal_bleeding                  |
      | cyclical pelvic pain                            | 27  | consultation | cyclical_pelvic_pain              |

  Scenario: Severe belly pain is seen today
    Given a person reporting belly pain
    And the pain is 8 out of 10
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "severe_abdominal_pain" is raised

  Scenario: A groin lump with severe pain may be a trapped hernia
    Given a person reporting groin lump and groin pain
    And the pain is 9 out of 10
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "groin_lump_with_severe_pain" is raised
    And "Groin hernia" is raised as another cause to discuss

  Scenario: Sudden groin pain in a young man is treated as testicular torsion
    Given a person reporting sudden pain and groin pain
    And the person is 22 years old
    And the person is a man
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the red flag "sudden_groin_pain_young_man" is raised

  Scenario: Back pain in pregnancy sees a doctor or midwife
    Given a person reporting pregnant and low back pain
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the finding "pregnancy_with_back_hip_or_groin_pain" is noted
    And the reason to see a doctor mentions "midwife"

  Scenario Outline: Children, adolescents and bone stress injury
    Given a person reporting <findings>
    And the person is <age> years old
    When the symptoms are assessed
    Then the triage level is "<level>"
    And the finding "<rule>" is noted
    And a doctor is recommended
    And the self-care advice does not include "Lunges"

    Examples:
      | findings                                              | age | level        | rule                                   |
      | limp and hip pain                                     | 14  | urgent       | adolescent_limp_with_hip_or_knee_pain  |
      | hip pain                                              | 8   | consultation | child_under_sixteen                |
      | sudden increase in exercise, night pain and groin pain | 24 | urgent       | bone_stress_pain_at_night              |
      | sudden increase in exercise, limp and hip pain        | 29  | urgent       | bone_stress_pain_with_limp             |

  Scenario Outline: A runner or jumper whose groin or hip pain after more training hurts on every step or on hopping is seen today
    Given a person reporting <sport>, sudden increase in exercise, <pain> and pain on hopping
    And the person is 20 years old
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "bone_stress_pain_every_step" is raised
    And "Stress fracture of the hip or pelvis" is raised as another cause to discuss

    Examples:
      | sport          | pain        |
      | running        | groin pain  |
      | jumping sports | hip pain    |

  Scenario: A runner whose groin pain comes only with running after more training is not sent today
    Given a person reporting running, sudden increase in exercise, groin pain and worse with activity
    And the person is 20 years old
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the finding "bone_stress_pain_on_loading" is noted

  Scenario: Groin pain on loading after more training, in another sport, sees a doctor before training on
    Given a person reporting sudden increase in exercise, groin pain and worse with activity
    And the person is 25 years old
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the finding "bone_stress_pain_on_loading" is noted
    And a doctor is recommended

  Scenario: Any symptom in a child under 16 is for a doctor, not self-care
    Given a person reporting snapping hip
    And the person is 15 years old
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "consultation"
    And a doctor is recommended
    And exercises are held back because "left out for children and adolescents"
