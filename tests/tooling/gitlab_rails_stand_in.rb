# frozen_string_literal: true

# Stand-in for the part of GitLab's Rails models that the gitlab role's
# application_settings.rb uses, so its logic can run with Debian's Ruby where
# GitLab cannot be installed. It is not GitLab: it follows the documented
# interfaces only.
#
# - ApplicationSetting: an ActiveRecord model (one row of the
#   application_settings table). ActiveRecord's assign_attributes, changed
#   (names of the attributes whose value differs), has_attribute? and save!
#   (https://api.rubyonrails.org/classes/ActiveModel/Dirty.html,
#   https://api.rubyonrails.org/classes/ActiveRecord/AttributeMethods.html).
#   ApplicationSetting.current_without_cache is GitLab's accessor of that row
#   (app/models/application_setting.rb). Like the real model it refuses an
#   attribute it does not have (ActiveModel::UnknownAttributeError).
# - User: find_by_username (GitLab), valid_password? (Devise,
#   https://www.rubydoc.info/github/heartcombo/devise/Devise/Models/DatabaseAuthenticatable),
#   password=, password_confirmation=, save! (refuses a confirmation that differs).
#
# The state lives in a JSON file named by STAND_IN_STATE, so a test can run
# the script twice and look at what was saved.
require 'json'

STATE_FILE = ENV.fetch('STAND_IN_STATE')

def stand_in_state
  JSON.parse(File.read(STATE_FILE))
end

def stand_in_save(state)
  File.write(STATE_FILE, JSON.generate(state))
end

class UnknownAttributeError < StandardError; end

class ApplicationSetting
  def self.current_without_cache
    row = stand_in_state['application_settings']
    row && new(row)
  end

  def self.create_from_defaults
    raise 'the stand-in starts with a row, as an installed GitLab does'
  end

  def initialize(row)
    @saved = row
    @values = row.dup
  end

  def has_attribute?(name)
    @saved.key?(name.to_s)
  end

  def assign_attributes(attributes)
    attributes.each do |name, value|
      raise UnknownAttributeError, "unknown attribute '#{name}' for ApplicationSetting" unless has_attribute?(name)

      @values[name.to_s] = value
    end
  end

  def service_ping_settings
    @values['service_ping_settings']
  end

  def service_ping_settings=(value)
    raise UnknownAttributeError, 'unknown attribute service_ping_settings' unless has_attribute?('service_ping_settings')

    @values['service_ping_settings'] = value
  end

  def changed
    @values.keys.reject { |name| @values[name] == @saved[name] }
  end

  def save!
    state = stand_in_state
    state['application_settings'] = @values
    state['saves'] = state.fetch('saves', 0) + 1
    stand_in_save(state)
    @saved = @values.dup
    true
  end
end

class User
  attr_accessor :password, :password_confirmation, :password_automatically_set

  def self.find_by_username(name)
    stand_in_state.fetch('users', {}).key?(name) ? new(name) : nil
  end

  def initialize(name)
    @name = name
  end

  def valid_password?(candidate)
    stand_in_state['users'][@name]['password'] == candidate
  end

  def save!
    raise 'Password confirmation does not match' unless password == password_confirmation

    state = stand_in_state
    state['users'][@name] = { 'password' => password, 'automatically_set' => password_automatically_set }
    stand_in_save(state)
    true
  end
end

# As `gitlab-rails runner '<code>'` does: evaluate the code given.
eval(ARGV.fetch(0), TOPLEVEL_BINDING, 'application_settings.rb') # rubocop:disable Security/Eval
