# A MariaDB and a PostgreSQL database on s1 (the seed's adddb), each with
# its own user and a password generated on s1 (drover never sees it:
# `drover show dbs` says where to read it). Only s2 may connect.

server "s1" {
  address = "198.51.100.1"
  subnet  = "100.65.1.0/24"
  dhcp    = false
}

server "s2" { address = "198.51.100.2" }
server "s3" { address = "198.51.100.3" }

# Instance mariadb-s1, database and user "wordpress".
database "mariadb" {
  server = "s1"
  name   = "wordpress"
  allow  = "198.51.100.2/32" # default: s1's container subnet
}

# Instance postgresql-s1, database and user "discourse".
database "postgresql" {
  server = "s1"
  name   = "discourse"
  allow  = "198.51.100.2/32"
}
