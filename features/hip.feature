Feature: Hip and front-of-hip pain
  The psoas crosses the front of the hip joint on its way to the thigh bone. A deep ache or
  tightness at the front of the hip or thigh is one of its most typical signs; hip pain in
  general weighs less, because many other hip problems cause it.

  Scenario Outline: One hip finding on its own
    Given a person reporting <finding>
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the finding "<rule>" is noted
    And the psoas score is <score>
    And psoas involvement is "unlikely"
    And the triage level is "self-care"

    Examples:
      | finding                                                 | rule                                                    | score |
      | hip pain                                                | Hip pain                                                | 6     |
      | deep ache or tightness at the front of the hip or thigh | Deep ache or tightness at the front of the hip or thigh | 10    |
      | limited hip movement                                    | Limited hip range of motion                             | 6     |

  Scenario Outline: Hip findings that point at the psoas together
    Given a person reporting <findings>
    When the symptoms are assessed
    Then the finding "<combination>" is noted
    And the psoas score is <score>
    And psoas involvement is "<band>"

    Examples:
      | findings                                             | combination                                                | score | band     |
      | front of hip pain and low back pain | Low back pain together with front-of-hip ache or tightness | 24 | possible |
      | hip pain and low back pain | Low back pain together with hip pain | 16 | unlikely |
      | hip pain and limited hip movement                    | Hip pain with limited hip range of motion                  | 18    | unlikely |
      | tight hip flexors and limited hip movement           | hip_pain_with_limited_motion                               | 22    | possible |

  Scenario: Hip pain without back pain is not the back-and-hip combination
    Given a person reporting hip pain and groin pain
    When the symptoms are assessed
    Then the finding "Low back pain together with hip pain" is not noted
    And the finding "Hip pain" is noted
    And the finding "Groin pain" is noted

  Scenario: Hip and groin pain with a stiff hip raise hip impingement as another cause
    Given a person reporting hip pain, limited hip movement and groin pain
    When the symptoms are assessed
    Then the finding "Hip and groin pain with limited hip motion (consider hip impingement)" is noted
    And "Hip labral tear or impingement" is raised as another cause to discuss
    And the triage level is "consultation"
    And the triage reasons mention "consider hip impingement"
    And psoas involvement is "possible"
    And a physiotherapist is recommended

  Scenario: A tight front of the hip with back pain and stiffness after sitting all day
    Given a person reports:
      | finding                        | answer     |
      | tight hip flexors              | yes        |
      | low back pain                  | yes        |
      | trouble standing fully upright | yes        |
      | sitting all day                | yes        |
      | fever                          | no         |
      | numbness between the legs      | no         |
      | age                            | 38         |
      | pain started                   | 5 days ago |
      | pain intensity                 | 4          |
    When the symptoms are assessed
    Then psoas involvement is "possible"
    And the triage level is "consultation"
    And a physiotherapist is recommended
    And the self-care advice includes "Kneeling psoas (hip flexor) stretch"
    And the advice on what to avoid includes "Avoid long unbroken sitting"
