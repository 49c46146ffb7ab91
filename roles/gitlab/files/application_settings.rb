# frozen_string_literal: true

# Run by sovereign.cloud's gitlab role as `gitlab-rails runner '<this code>'`,
# with a JSON document on standard input (never on a command line, never in
# the environment):
#   {"settings": {column: value, ...},
#    "service_ping_settings": {key: value, ...},
#    "root_password": "..." or null}
# Sets the application settings that differ (columns this release does not
# have are skipped), and the root password when it does not match. Prints one
# line "SOVEREIGN_RESULT <json>" naming what changed, nothing secret.
require 'json'

wanted = JSON.parse($stdin.read)
changed = []

setting = ApplicationSetting.current_without_cache || ApplicationSetting.create_from_defaults
known = wanted.fetch('settings', {}).select { |name, _| setting.has_attribute?(name) }
setting.assign_attributes(known)
if setting.has_attribute?('service_ping_settings') && wanted['service_ping_settings']
  setting.service_ping_settings = (setting.service_ping_settings || {}).merge(wanted['service_ping_settings'])
end
unless setting.changed.empty?
  changed.concat(setting.changed)
  setting.save!
end

password = wanted['root_password']
if password
  root = User.find_by_username('root') or raise 'GitLab has no user named root'
  unless root.valid_password?(password)
    root.password = password
    root.password_confirmation = password
    root.password_automatically_set = false
    root.save!
    changed << 'root_password'
  end
end

puts "SOVEREIGN_RESULT #{JSON.generate('changed' => changed)}"
