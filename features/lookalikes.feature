Feature: Telling psoas pain from its look-alikes
  Many problems around the hip, groin and lower back feel like a tight or irritated psoas. A
  clinician separates them by the history: where exactly it hurts, what brings it on, and what
  comes with it. Findings that point elsewhere lower the psoas score, name the other cause to
  discuss, and ask for a professional's assessment. Findings that point at the psoas are listed
  as supporting evidence; an explicit "no" to a core psoas sign counts against it, but never
  changes the triage level.

  Background:
    Given the warning-sign checklist is answered "none"

  Scenario: Deep catching with pain on bringing the knee to the chest is a hip-joint picture
    Given a person reporting groin pain, hip locking and pain bringing knee to chest
    When the symptoms are assessed
    Then psoas involvement is "unlikely"
    And "Hip labral tear or impingement" is raised as another cause to discuss
    And the explanation lists "Groin pain" as supporting
    And the explanation lists "Clicking, locking or catching deep inside the hip joint" as conflicting
    And the explanation lists "labral_impingement_pattern" as conflicting
    And the triage level is "consultation"

  Scenario: Short morning stiffness and trouble with socks at 67 point to hip osteoarthritis
    Given a person reporting groin pain, hip pain, short morning stiffness and trouble putting on socks
    And the person is 67 years old
    When the symptoms are assessed
    Then psoas involvement is "unlikely"
    And "Hip osteoarthritis" is raised as another cause to discuss
    And the explanation lists "hip_osteoarthritis_pattern" as conflicting
    And a doctor is recommended

  Scenario: Outer-hip pain when lying on that side is greater trochanteric pain
    Given a person reporting outer hip pain and side-lying pain
    When the symptoms are assessed
    Then psoas involvement is "unlikely"
    And "greater_trochanteric_pain" is raised as another cause to discuss
    And the explanation lists "outer_hip_pain_lying_on_side" as conflicting
    And the triage level is decided by "Pain over the bony point on the outside of the hip"

  Scenario: A burning numb patch on the outer thigh is a skin nerve, not the muscle
    Given a person reporting burning outer thigh and hip pain
    When the symptoms are assessed
    Then psoas involvement is "unlikely"
    And "meralgia_paraesthetica" is raised as another cause to discuss
    And the explanation lists "outer_thigh_burning_numbness" as conflicting

  Scenario: Inner-thigh pain after a kick is an adductor strain
    Given a person reporting inner thigh pain, groin pain, pulled it kicking and kicking sports
    When the symptoms are assessed
    Then psoas involvement is "unlikely"
    And "Adductor (inner-thigh muscle) strain" is raised as another cause to discuss
    And the explanation lists "adductor_strain_pattern" as conflicting
    And the explanation lists "sudden_movement_strain" as supporting

  Scenario: Legs heavy on walking at 70 point to spinal stenosis
    Given a person reporting low back pain and heavy legs when walking
    And the person is 70 years old
    When the symptoms are assessed
    Then psoas involvement is "unlikely"
    And "spinal_stenosis" is raised as another cause to discuss
    And the explanation lists "spinal_stenosis_pattern" as conflicting

  Scenario: Weak thigh lifting with numbness is a nerve picture a doctor examines
    Given a person reporting weak hip flexion, numbness or tingling in the leg and front of hip pain
    When the symptoms are assessed
    Then psoas involvement is "unlikely"
    And "nerve_root_irritation" is raised as another cause to discuss
    And the red flag "weak_hip_flexion_with_leg_numbness" is raised
    And the triage level is at least "consultation"

  Scenario: A fall, a limp and groin pain at 80 are read as a possible fracture, not the psoas
    Given a person reporting groin pain, limp and minor fall
    And the person is 80 years old
    When the symptoms are assessed
    Then psoas involvement is "unlikely"
    And "fragility_fracture" is raised as another cause to discuss
    And the explanation lists "older_adult_fall_points_elsewhere" as conflicting
    And the triage level is "urgent"

  Scenario: Ordinary mechanical back pain does not unlock the psoas picture
    Given a person reporting low back pain, low back stiffness, worse with activity and better with rest
    When the symptoms are assessed
    Then psoas involvement is "unlikely"

  Scenario: Groin pain with snapping is a psoas sign, but not enough alone for "likely"
    Given a person reporting groin pain and hip snapping
    When the symptoms are assessed
    Then psoas involvement is "possible"
    And the explanation lists "Groin pain with a snapping hip" as supporting

  Scenario: Pain on lifting the leg with groin pain and snapping is a likely psoas picture
    Given a person reporting groin pain, hip snapping and pain when lifting the leg
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And the explanation lists "pain_lifting_leg" as supporting
    And the triage level is "consultation"

  Scenario: Location and exposure alone stop at "possible"
    Given a person reporting prolonged sitting, runner, low back pain, hip pain, groin pain and front of hip pain
    When the symptoms are assessed
    Then psoas involvement is "possible"
    And the psoas score is at most 44

  Scenario: A deep front-of-hip ache with pain getting up from sitting is a psoas-specific sign
    Given a person reporting front of hip pain, pain sit to stand, low back pain and difficulty standing upright
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And the explanation lists "front_of_hip_ache_rising_from_sitting" as supporting

  Scenario Outline: Saying "no" to a core psoas sign counts against it but keeps the level
    Given a person reporting front of hip pain, low back pain and hip snapping
    And the person denies <denied>
    When the symptoms are assessed
    Then the explanation lists "<rule>" as denied
    And the psoas score is <score>
    And the triage level is "self-care"

    Examples:
      | denied                         | rule                      | score |
      | pain when lifting the leg           | denies_pain_lifting_leg   | 31    |
      | groin pain                     | denies_groin_pain         | 35    |
      | pain sit to stand              | denies_pain_sit_to_stand  | 35    |

  Scenario: Denying a front-of-hip ache lowers the score of low back pain with snapping
    Given a person reporting low back pain and hip snapping
    And the person denies front of hip pain
    When the symptoms are assessed
    Then the explanation lists "denies_front_of_hip_pain" as denied
    And psoas involvement is "unlikely"
