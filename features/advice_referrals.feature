Feature: Advice and referrals: who to see, what to try, what to avoid, when to seek help
  Referrals follow the result: when the psoas is possible or likely and nothing worrying is
  reported, therapists who treat the psoas are suggested; a warning sign sends the person to a
  doctor (or an emergency department) instead, and then no self-care is offered. Every piece of
  advice cites the sources it is paraphrased from. When to seek help is always said.

  Scenario Outline: Who is recommended, by how strongly the psoas is suspected
    Given a person reporting <findings>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then psoas involvement is "<band>"
    And <physio>
    And <massage>
    And <doctor>

    Examples:
      | findings                           | band     | physio                            | massage                             | doctor                   |
      | low back pain                      | unlikely | no physiotherapist is recommended | no massage therapist is recommended | no doctor is recommended |
      | groin pain and low back pain       | possible | a physiotherapist is recommended  | a massage therapist is recommended  | no doctor is recommended |
      | groin pain, snapping hip and pain when lifting the leg | likely | a physiotherapist is recommended | a massage therapist is recommended | no doctor is recommended |
      | groin pain, snapping hip, pain when lifting the leg and fever | likely | no physiotherapist is recommended | no massage therapist is recommended | a doctor is recommended |

  Scenario: A possible psoas picture: every therapist who treats the psoas is suggested
    Given a person reporting groin pain and low back pain
    When the symptoms are assessed
    Then a physiotherapist is recommended
    And an osteopathic physician is recommended
    And a chiropractor is recommended
    And a massage therapist is recommended
    And no doctor is recommended
    And no emergency department is recommended
    And the reason to see a physiotherapist mentions "how you move"

  Scenario: Nothing to refer: an unlikely psoas and no other reason
    Given a person reporting low back pain
    And the pain started 2 days ago
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then no professional is recommended
    And self-care advice is offered
    And the self-care advice includes "Gentle walking is fine"
    And the self-care advice does not include "Kneeling psoas (hip flexor) stretch"

  Scenario: Training that loads the hip is paused, and no hip-flexor strengthening is offered beside the pause
    Given a person reporting kicking sports, groin pain and snapping hip
    When the symptoms are assessed
    Then the advice on what to avoid includes "Pause repetitive jumping and hip-flexion workouts"
    And the self-care advice does not include "Lunges"
    And the self-care advice does not include "Lying marching and other activation exercises"
    And the self-care advice does not include "Standing knee lifts"
    And the self-care advice includes "Bridge"

  Scenario: Without such training there is no pause, and hip-flexor strengthening is offered
    Given a person reporting groin pain and snapping hip
    When the symptoms are assessed
    Then the advice on what to avoid does not include "Pause repetitive jumping and hip-flexion workouts"
    And the self-care advice includes "Lunges"

  Scenario Outline: Psoas self-care and what to avoid come with a possible or likely psoas
    Given a person reporting groin pain and snapping hip
    When the symptoms are assessed
    Then the <kind> includes "<item>"
    And the advice cites the source "<source>"

    Examples:
      | kind                        | item                                               | source                                                                      |
      | self-care advice            | Kneeling psoas (hip flexor) stretch                | Psoas - Get To Know Your Muscles                                            |
      | self-care advice            | Lying ball release                                 | The Psoas Muscle: Unraveling Its Importance and Role in Movement            |
      | self-care advice            | Bridge                                             | psoas_functions_exercises_2024                                              |
      | self-care advice            | Hip rotation and buttock (gluteal) exercises       | understanding_psoas_pain                                                    |
      | self-care advice            | Diaphragm breathing                                | (In)famous Psoas                                                            |
      | self-care advice            | Sleep on your side with a pillow between the knees | gtkym_psoas                                                                 |
      | advice on what to avoid     | Avoid hills and sloping ground for now             | Psoas Muscle: Functions and Exercises                                       |
      | advice on what to avoid     | Avoid running on an incline                        | psoas_functions_exercises_2024                                              |
      | advice on what to avoid     | Leave specialised psoas exercises to supervision   | psoas_functions_exercises_2024                                              |
      | advice on when to seek help | Emergency warning signs                            | GIRFT Spinal Surgery: National Suspected Cauda Equina Syndrome (CES) Pathway |

  Scenario Outline: Self-care is withheld whenever there is a warning sign
    Given a person reporting groin pain, snapping hip, pain when lifting the leg and <warning sign>
    When the symptoms are assessed
    Then psoas involvement is "likely"
    And no self-care advice is offered
    And the self-care advice does not include "Kneeling psoas (hip flexor) stretch"
    And the advice on what to avoid does not include "Avoid full squats"
    And the advice on when to seek help <doctor soon> "Signs that need a doctor soon"
    And the reason to see a doctor mentions "warning sign"

    # When to seek help is chosen by level: at emergency the advice is to go now, not soon.
    Examples:
      | warning sign                          | doctor soon      |
      | fever                                 | includes         |
      | history of cancer                     | includes         |
      | unexplained weight loss               | includes         |
      | pain at night that rest does not ease | includes         |
      | abdominal pain                        | includes         |
      | significant injury                    | does not include |

  Scenario: When to seek help is always said, even for the mildest report
    Given a person reporting better with rest
    When the symptoms are assessed
    Then the advice on when to seek help includes "Emergency warning signs"
    And the advice on when to seek help includes "Signs that need a doctor soon"
    And the advice on when to seek help includes "Pain that lasts or gets worse"
    And the result says it is not a diagnosis

  Scenario: After surgery, check before exercising
    Given a person reporting hip replacement and groin pain
    When the symptoms are assessed
    Then the advice on what to avoid includes "After hip replacement or surgery, check before exercising"
    And a doctor is recommended

  Scenario: After a hip replacement, exercises wait for the surgeon's or physiotherapist's go-ahead
    Given a person reporting hip replacement, groin pain and snapping hip
    When the symptoms are assessed
    Then a doctor is recommended
    And the self-care advice does not include "Kneeling psoas (hip flexor) stretch"
    And the self-care advice does not include "Lunges"
    And the self-care advice does not include "Gentle walking is fine"
    And exercises are held back because "go through your surgical team"
