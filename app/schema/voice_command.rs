//! Voice commands: a spoken trigger runs an action.

use heycat::prelude::*;

/// What a voice command does.
#[heycat_type]
pub enum ActionType {
    OpenApp,
    TypeText,
    SystemControl,
    Custom,
}

/// One named parameter of a voice command's action (heycat's string-to-string map).
#[heycat_type]
pub struct CommandParameter {
    pub key: String,
    pub value: String,
}

#[heycat_table]
pub struct VoiceCommand {
    /// A uuid.
    #[primary_key]
    pub id: String,
    #[unique]
    pub trigger: String,
    pub action_type: ActionType,
    /// The action's parameters, in the order the user gave them; keys are unique.
    pub parameters: Vec<CommandParameter>,
    pub enabled: bool,
    pub created_at: Timestamp,
}
