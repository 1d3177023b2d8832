@safety
Feature: Red flags override the psoas score
  Some findings may mean something other than a muscle problem: a squeezed nerve bundle at the
  base of the spine (cauda equina), an infection, a cancer, a fracture, or a problem with an
  internal organ. Each one sets a minimum triage level, whatever the psoas score says, and while
  one is present no self-care is offered and a doctor is recommended instead of therapists.

  Scenario Outline: Each warning sign on its own sets its triage level
    Given a person reporting <warning sign>
    When the symptoms are assessed
    Then the red flag "<red flag>" is raised
    And the triage level is "<level>"
    And a doctor is recommended
    And no self-care advice is offered
    And "<other cause>" is raised as another cause to discuss

    Examples:
      | warning sign                          | red flag                                          | level        | other cause                                          |
      | numbness between the legs             | Saddle numbness (possible cauda equina syndrome)  | emergency    | Cauda equina syndrome                                |
      | new bladder or bowel problems         | bladder_or_bowel_change                           | emergency    | Cauda equina syndrome                                |
      | leg weakness that is getting worse    | Progressive leg weakness                          | emergency    | Cauda equina syndrome                                |
      | fever                                 | Fever                                             | consultation | Spinal or deep infection (including a psoas abscess) |
      | history of cancer                     | History of cancer                                 | consultation | Cancer affecting the spine or pelvis                 |
      | unexplained weight loss               | Unexplained weight loss                           | consultation | Cancer affecting the spine or pelvis                 |
      | pain at night that rest does not ease | Night pain not eased by rest or position          | consultation | Cancer affecting the spine or pelvis                 |
      | significant injury                    | Pain after significant trauma (possible fracture) | urgent       | Spinal or pelvic fracture                            |
      | abdominal pain                        | Abdominal pain                                    | consultation | Irritation of an internal organ                      |

  Scenario Outline: Cauda equina signs send the person to an emergency department
    Given a person reporting <warning sign>
    When the symptoms are assessed
    Then the triage level is "emergency"
    And an emergency department is recommended
    And the person is told "emergency department now"
    And the advice on when to seek help includes "Emergency warning signs"

    Examples:
      | warning sign                       |
      | saddle numbness                    |
      | new bladder or bowel problems      |
      | leg weakness that is getting worse |

  Scenario Outline: A warning sign together with pain in the psoas area is more urgent
    Given a person reporting <warning sign> and <pain>
    When the symptoms are assessed
    Then the red flag "<red flag>" is raised
    And the triage level is "urgent"
    And <count> red flags are raised
    And a doctor is recommended
    And no emergency department is recommended

    Examples:
      | warning sign                          | pain                    | red flag                                                                          | count |
      | fever                                 | groin pain              | Fever with back, buttock, pelvic, hip or groin pain (possible infection)          | 2     |
      | fever                                 | buttock pain            | fever_with_pain                                                                   | 2     |
      | history of cancer                     | low back pain           | History of cancer with back, pelvic, hip or groin pain                            | 2     |
      | history of cancer                     | pelvic pain             | cancer_history_with_back_pain                                                     | 2     |
      | unexplained weight loss               | hip pain                | Unexplained weight loss with back, pelvic, hip or groin pain                      | 2     |
      | pain at night that rest does not ease | fever                   | Night pain with fever                                                             | 3     |
      | pain at night that rest does not ease | history of cancer       | Night pain with a history of cancer or unexplained weight loss                    | 3     |
      | pain at night that rest does not ease | unexplained weight loss | night_pain_with_cancer_signs                                                      | 3     |
      | abdominal pain                        | groin pain              | Abdominal pain with groin, hip, pelvic or low back pain (possible visceral cause) | 2     |

  Scenario Outline: A red flag overrides even a strong psoas picture
    Given a person reporting groin pain, snapping hip, pain when lifting the leg and low back pain
    And the person also reports <warning sign>
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And the red flag "<red flag>" is raised
    And the triage level is "<level>"
    And a doctor is recommended
    And no physiotherapist is recommended
    And no massage therapist is recommended
    And no self-care advice is offered
    And the advice on what to avoid does not include "Avoid full squats"

    Examples:
      | warning sign                          | red flag                            | level        |
      | numbness between the legs             | saddle_numbness                     | emergency    |
      | new bladder or bowel problems         | bladder_or_bowel_change             | emergency    |
      | leg weakness that is getting worse    | progressive_leg_weakness            | emergency    |
      | fever                                 | fever_with_pain                     | urgent       |
      | history of cancer                     | cancer_history_with_back_pain       | urgent       |
      | unexplained weight loss               | weight_loss_with_back_pain          | urgent       |
      | significant injury                    | high_energy_injury_with_pain        | emergency    |
      | abdominal pain                        | abdominal_pain_with_psoas_area_pain | urgent       |
      | pain at night that rest does not ease | night_pain                          | consultation |

  Scenario: The same strong picture without a warning sign gets self-care and therapists
    Given a person reporting groin pain, snapping hip, pain when lifting the leg and low back pain
    And the person denies fever, numbness between the legs and new bladder or bowel problems
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And the psoas score is 70
    And no red flag is raised
    And the triage level is "consultation"
    And a physiotherapist is recommended
    And self-care advice is offered

  Scenario: Several red flags: the most urgent one decides
    Given a person reporting fever, numbness between the legs and groin pain
    When the symptoms are assessed
    Then the triage level is "emergency"
    And the triage reasons mention "Saddle numbness"
    And the triage reasons do not mention "possible infection"
    And an emergency department is recommended

  Scenario: Adding a warning sign never lowers the triage level
    Given a person reporting groin pain and snapping hip
    And the pain started 3 weeks ago
    When the symptoms are assessed
    Then the triage level is "consultation"
    And adding fever does not lower the triage level
    And adding history of cancer and hip pain raises the triage level to "urgent"
    And adding numbness between the legs raises the triage level to "emergency"

  Scenario: Groin pain after cancer is urgent, because spread to the hip often hurts in the groin
    Given a person reporting history of cancer and groin pain
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the red flag "History of cancer with back, pelvic, hip or groin pain" is raised
