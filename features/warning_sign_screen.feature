@safety
Feature: No self-care without a warning-sign screen
  A warning sign is a finding of the vocabulary's red-flag category, such as fever, numbness
  between the legs or a past cancer. An app that never asked about them cannot know they are
  absent, so self-care is returned only once every warning sign that could still raise the
  triage level for this report has been answered no. Until then the level is at least a
  consultation, the reasons say which warning signs were not checked, and the result lists
  them, so that an app or the interview can ask. Denying a warning sign may lower a
  consultation to self-care (that is the screen's point); adding a finding never lowers the level.

  Scenario: An app that sends only groin pain is not told self-care
    Given a person reporting groin pain
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the triage reasons mention "warning signs not checked"
    And the warning sign "fever" is listed as not checked
    And the warning sign "numbness between the legs" is listed as not checked
    And the result says it is not a diagnosis

  Scenario: Once every warning sign is denied, self-care is reasonable
    Given a person reporting groin pain
    And the warning-sign checklist is answered "none"
    When the symptoms are assessed
    Then the triage level is "self-care"
    And no warning sign is left unchecked
    And adding fever does not lower the triage level

  Scenario: One warning sign left unanswered is enough to hold back self-care
    Given a person reporting groin pain
    And the person denies numbness between the legs, new bladder or bowel problems, leg weakness that is getting worse, unexplained weight loss, history of cancer, significant injury, night pain and abdominal pain
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the warning sign "fever" is listed as not checked
    And the warning sign "history of cancer" is not listed as not checked
    And the triage reasons mention "fever"

  Scenario: A warning sign that is reported is not listed as unchecked
    Given a person reporting low back pain and a history of cancer
    When the symptoms are assessed
    Then the triage level is "urgent"
    And the warning sign "history of cancer" is not listed as not checked
    And the warning sign "numbness between the legs" is listed as not checked
    And the triage reasons mention "could make it more urgent"

  Scenario: Nothing is left to check once the level is an emergency
    Given a person reporting low back pain and numbness between the legs
    When the symptoms are assessed
    Then the triage level is "emergency"
    And no warning sign is left unchecked

  Scenario: A longer history still gets its consultation, and the screen says what is open
    Given a person reporting groin pain
    And the pain has lasted 10 days
    When the symptoms are assessed
    Then the triage level is "consultation"
    And the triage reasons mention "Symptoms lasting more than a week"
    And the warning sign "fever" is listed as not checked
